"""A model of a training-cohort group's history, as a stream of records.

The first facilitator creates the group and adds the staff and most members
on the first day. Others join later by the invite link or are added, a few
leave, and an advertiser joins and is removed. The group may be renamed, and
someone may change their phone number.

Messages come in conversations (an announcement and its acknowledgements, a
question and its answer...). Their start times follow weekday and hour-of-day
patterns, with more activity on session days, none during silence periods
(holidays), and less after the cohort's training ends. Who writes follows a
heavy-tailed distribution: staff and a few members write most, many members a
little, and some never.

:func:`simulate` yields the records in time order, day by day, and stops
exactly when the requested number of messages is reached, so memory stays
bounded by one day of records however long the history is.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from tafiti.generate import content
from tafiti.generate.formats import Item

# Relative activity by weekday (Monday first) and by hour of the day.
WEEKDAY_ACTIVITY = (1.1, 1.25, 1.0, 1.25, 0.9, 0.6, 0.45)
HOUR_ACTIVITY = (
    0.15,
    0.08,
    0.04,
    0.04,
    0.1,
    0.45,
    1.3,
    2.6,
    3.4,
    3.0,
    2.8,
    2.5,
    2.9,
    2.6,
    2.1,
    1.9,
    2.1,
    2.6,
    3.1,
    3.5,
    3.7,
    3.0,
    1.7,
    0.7,
)


def _sunday_weight(hour: int, weight: float) -> float:
    """Return a weekday hour weight shifted for Sunday: quiet mornings, busier afternoons."""
    if 8 <= hour <= 12:
        return weight * 0.3
    if hour >= 14:
        return weight * 1.2
    return weight


SUNDAY_HOUR_ACTIVITY = tuple(_sunday_weight(hour, w) for hour, w in enumerate(HOUR_ACTIVITY))

# Conversation types and their share of the conversations of an ordinary day.
THREAD_TYPES = ("announce", "prompt", "question", "chatter", "media")
THREAD_WEIGHTS = (0.08, 0.09, 0.15, 0.53, 0.15)

# Staff also write in members' conversations: this share of greetings,
# acknowledgements, chat and media comes from a facilitator or advisor.
STAFF_CHIME_IN = 0.15
STAFF_CHIME_IN_PARTS = frozenset(
    {"chatter", "ack", "media", "media_react", "morning", "night", "sunday"}
)

MEDIA_TYPES = ("image", "image", "image", "audio", "video", "sticker")


@dataclass(frozen=True)
class GroupSpec:
    """The group to simulate: its people, its calendar and how active it is.

    ``messages`` is the exact number of messages (text, media and deleted
    records) to produce. ``days`` is the planned length of the history, which
    sets the daily rate, and ``training_days`` is how long sessions run, after
    which activity drops. ``renames`` are ``(day, new name)`` pairs and
    ``silences`` are ``(first day, number of days)`` pairs, counted from the
    creation day. Shares (``late_joiners``, ``leavers``, ``silent``) are
    fractions of the members. ``exporter`` is ``"creator"`` when the first
    facilitator's phone exports (so the export shows "You created group"), or
    ``"staff"`` for the next staff member's phone. ``attach_last`` gives media
    among the last this many messages an attached file. ``more_sentences`` is
    the chance that a message (acknowledgements aside) goes on with another
    text of the same kind, so that a large group repeats few message texts.
    """

    name: str
    start: datetime
    messages: int
    days: int
    country: str = "ke"
    languages: Mapping[str, float] = field(default_factory=lambda: {"en": 0.6, "sw": 0.4})
    members: int = 30
    facilitators: tuple[str, ...] = ()
    advisor: str | None = None
    training_days: int | None = None
    renames: tuple[tuple[int, str], ...] = ()
    silences: tuple[tuple[int, int], ...] = ()
    session_weekdays: tuple[int, ...] = (1, 3)
    session_hour: int = 10
    late_joiners: float = 0.25
    join_window_days: int = 21
    leavers: float = 0.08
    silent: float = 0.3
    spammers: int = 1
    number_changes: int = 0
    exporter: str = "staff"
    media_share: float = 1.0
    deleted_share: float = 0.012
    attach_last: int = 0
    more_sentences: float = 0.0


@dataclass
class Member:
    """One person in the group, with the times their membership starts and ends."""

    name: str
    role: str
    weight: float
    joined: datetime | None = None
    left: datetime | None = None
    renamed_at: datetime | None = None
    new_name: str | None = None

    def name_at(self, moment: datetime) -> str:
        if self.renamed_at is not None and moment >= self.renamed_at and self.new_name:
            return self.new_name
        return self.name

    def present_at(self, moment: datetime) -> bool:
        if self.joined is None or moment < self.joined:
            return False
        return self.left is None or moment < self.left


@dataclass
class Cast:
    """The people of a group and the membership events that bring them in and out."""

    staff: list[Member]
    members: list[Member]
    creator: Member
    exporter: Member
    events: list[Item]
    fixed_messages: list[Item]
    change_times: list[datetime]


def simulate(spec: GroupSpec, seed: int) -> Iterator[Item]:
    """Yield the records of ``spec``'s history in time order.

    The same ``spec`` and ``seed`` give the same records on the same Python
    version (``random.Random`` keeps its sequences across releases).
    """
    rng = random.Random(seed)
    cast = build_cast(spec, rng)
    writer = _Conversations(spec, cast, rng)
    yield from writer.run()


def exporter_name(spec: GroupSpec, seed: int) -> str:
    """Return the name of the person whose phone exports ``spec``'s group."""
    return build_cast(spec, random.Random(seed)).exporter.name


def staff_names(spec: GroupSpec, seed: int) -> dict[str, Any]:
    """Return the group's ``facilitators`` (a list), ``advisor`` and ``exporter``."""
    cast = build_cast(spec, random.Random(seed))
    return {
        "facilitators": [m.name for m in cast.staff if m.role == "facilitator"],
        "advisor": next(m.name for m in cast.staff if m.role == "advisor"),
        "exporter": cast.exporter.name,
    }


# --- people and membership -------------------------------------------------


def build_cast(spec: GroupSpec, rng: random.Random) -> Cast:
    """Invent the group's people and schedule every membership event."""
    names = _NamePool(spec.country, rng)
    for fixed_name in (*spec.facilitators, spec.advisor):
        if fixed_name:
            names.reserve(fixed_name)

    staff = [Member(name, "facilitator", rng.uniform(6, 10)) for name in spec.facilitators]
    if not staff:
        staff.append(Member(names.person(), "facilitator", rng.uniform(6, 10)))
    staff.append(Member(spec.advisor or names.person(), "advisor", rng.uniform(3, 6)))
    members = [
        Member(names.member(), "member", _activity(rng, spec.silent)) for _ in range(spec.members)
    ]
    creator = staff[0]
    exporter = creator if spec.exporter == "creator" else staff[1]

    events: list[Item] = []
    fixed: list[Item] = []
    late = [member for member in members if rng.random() < spec.late_joiners]
    first_day = [member for member in members if member not in late]
    _schedule_creation(spec, rng, creator, exporter, staff, first_day, events, fixed)
    _schedule_late_joins(spec, rng, staff, late, events)
    _schedule_leaves(spec, rng, members, events)
    members.extend(_schedule_spammers(spec, rng, names, staff, events, fixed))
    _schedule_renames(spec, rng, staff, events)
    _schedule_number_changes(spec, rng, names, members, events)

    events.sort(key=lambda item: item.timestamp)
    fixed.sort(key=lambda item: item.timestamp)
    moments = {spec.start}
    for member in staff + members:
        moments.update(m for m in (member.joined, member.left, member.renamed_at) if m)
    return Cast(staff, members, creator, exporter, events, fixed, sorted(moments))


def _activity(rng: random.Random, silent_share: float) -> float:
    """Return a member's writing weight: zero for the silent, else heavy-tailed."""
    if rng.random() < silent_share:
        return 0.0
    return min(rng.paretovariate(1.2), 25.0)


class _NamePool:
    """Unique invented display names: full names, nicknames, business names, numbers."""

    def __init__(self, country: str, rng: random.Random):
        self.country = country if country in content.FIRST_NAMES else "ke"
        self.rng = rng
        self.used: set[str] = set()
        self.serial = itertools.count(rng.randrange(100, 300))

    def reserve(self, name: str) -> None:
        self.used.add(name)

    def person(self) -> str:
        first = content.FIRST_NAMES[self.country]
        last = content.SURNAMES[self.country]
        for _ in range(100):
            name = f"{self.rng.choice(first)} {self.rng.choice(last)}"
            if name not in self.used:
                self.used.add(name)
                return name
        return self.number()

    def number(self) -> str:
        while True:
            name = content.phone_number(self.country, next(self.serial))
            if name not in self.used:
                self.used.add(name)
                return name

    def member(self) -> str:
        """Return a member's name as the exporting phone shows it."""
        roll = self.rng.random()
        if roll < 0.12:
            return self.number()
        if roll < 0.80:
            return self.person()
        first = self.rng.choice(content.FIRST_NAMES[self.country])
        if roll < 0.88:
            name = f"{first} {self.rng.choice(content.NAME_BUSINESSES[self.country])}"
        elif roll < 0.94:
            name = f"{first} {self.rng.choice(content.NAME_EMOJI)}"
        else:
            name = f"{'Mama' if self.country == 'ke' else 'Dona'} {first}"
        if name in self.used:
            return self.person()
        self.used.add(name)
        return name


def _day_start(spec: GroupSpec, day: int) -> datetime:
    return datetime.combine(spec.start.date(), time()) + timedelta(days=day)


def _daytime(spec: GroupSpec, rng: random.Random, day: int) -> datetime:
    """Return a random moment between 07:00 and 21:00 of ``day``."""
    return _day_start(spec, day) + timedelta(seconds=rng.randint(7 * 3600, 21 * 3600))


def _event(moment: datetime, event: str, **fields: object) -> Item:
    return Item(moment, "event", 0, event=event, **fields)  # type: ignore[arg-type]


def _schedule_creation(
    spec: GroupSpec,
    rng: random.Random,
    creator: Member,
    exporter: Member,
    staff: list[Member],
    first_day: list[Member],
    events: list[Item],
    fixed: list[Item],
) -> None:
    """Create the group, add the staff and the first members in batches."""
    moment = spec.start
    creator.joined = moment
    events.append(_event(moment, "encryption_notice"))
    events.append(_event(moment, "created", actor=creator.name, new_name=spec.name))

    # The exporting phone shows its owner's own addition as a line of its own
    # ("X added you"), so the exporter comes first and alone.
    others = sorted(staff[1:], key=lambda member: member is not exporter)
    if others and others[0] is exporter:
        moment += timedelta(seconds=rng.randint(20, 90))
        events.append(_event(moment, "added", actor=creator.name, people=(exporter.name,)))
        exporter.joined = moment
        others = others[1:]
    if others:
        moment += timedelta(seconds=rng.randint(20, 90))
        events.append(
            _event(
                moment, "added", actor=creator.name, people=tuple(member.name for member in others)
            )
        )
        for member in others:
            member.joined = moment

    waiting = list(first_day)
    while waiting:
        size = rng.randint(1, 8)
        batch, waiting = waiting[:size], waiting[size:]
        moment += timedelta(seconds=rng.randint(15, 150))
        events.append(
            _event(
                moment, "added", actor=creator.name, people=tuple(member.name for member in batch)
            )
        )
        for member in batch:
            member.joined = moment

    moment += timedelta(minutes=rng.randint(3, 20))
    events.append(_event(moment, "icon_changed", actor=creator.name))
    moment += timedelta(minutes=rng.randint(1, 5))
    events.append(_event(moment, "description_changed", actor=creator.name))
    moment += timedelta(minutes=rng.randint(2, 10))
    text = content.TEXTS["welcome"][_main_language(spec)][0]
    fixed.append(Item(moment, "message", 0, author=creator.name, text=text))


def _schedule_late_joins(
    spec: GroupSpec,
    rng: random.Random,
    staff: list[Member],
    late: list[Member],
    events: list[Item],
) -> None:
    """Bring late members in by the invite link or by a staff member adding them."""
    last_day = max(1, min(spec.join_window_days, spec.days - 1))
    for member in late:
        moment = _daytime(spec, rng, rng.randint(1, last_day))
        member.joined = moment
        if rng.random() < 0.7:
            events.append(_event(moment, "joined", people=(member.name,)))
        else:
            actor = rng.choice(staff)
            events.append(_event(moment, "added", actor=actor.name, people=(member.name,)))


def _schedule_leaves(
    spec: GroupSpec, rng: random.Random, members: list[Member], events: list[Item]
) -> None:
    count = round(spec.leavers * len(members))
    for member in rng.sample(members, count):
        assert member.joined is not None
        joined_day = (member.joined.date() - spec.start.date()).days
        first, last = joined_day + 2, int(spec.days * 0.95)
        if first >= last:
            continue
        member.left = _daytime(spec, rng, rng.randint(first, last))
        events.append(_event(member.left, "left", people=(member.name,)))


def _schedule_spammers(
    spec: GroupSpec,
    rng: random.Random,
    names: _NamePool,
    staff: list[Member],
    events: list[Item],
    fixed: list[Item],
) -> list[Member]:
    """Let advertisers join by the link, post once and be removed by staff."""
    spammers = []
    for _ in range(spec.spammers):
        spammer = Member(names.number(), "spammer", 0.0)
        spammer.joined = _daytime(spec, rng, rng.randint(2, max(2, int(spec.days * 0.7))))
        events.append(_event(spammer.joined, "joined", people=(spammer.name,)))

        language = _main_language(spec)
        posted = spammer.joined + timedelta(minutes=rng.randint(2, 40))
        fixed.append(
            Item(posted, "message", 0, author=spammer.name, text=content.TEXTS["spam"][language][0])
        )

        remover = rng.choice(staff)
        spammer.left = posted + timedelta(minutes=rng.randint(20, 150))
        events.append(_event(spammer.left, "removed", actor=remover.name, people=(spammer.name,)))
        warned = spammer.left + timedelta(minutes=rng.randint(1, 5))
        fixed.append(
            Item(
                warned,
                "message",
                0,
                author=remover.name,
                text=content.TEXTS["no_adverts"][language][0],
            )
        )
        spammers.append(spammer)
    return spammers


def _schedule_renames(
    spec: GroupSpec, rng: random.Random, staff: list[Member], events: list[Item]
) -> None:
    old = spec.name
    for day, new in spec.renames:
        actor = rng.choice(staff[:2])
        events.append(
            _event(
                _daytime(spec, rng, day),
                "subject_changed",
                actor=actor.name,
                old_name=old,
                new_name=new,
            )
        )
        old = new


def _schedule_number_changes(
    spec: GroupSpec,
    rng: random.Random,
    names: _NamePool,
    members: list[Member],
    events: list[Item],
) -> None:
    """Move some active members to a new phone number, shown unsaved afterwards."""
    candidates = [
        member
        for member in members
        if member.role == "member"
        and member.weight >= 1.0
        and member.left is None
        and not member.name.startswith("+")
    ]
    for member in rng.sample(candidates, min(spec.number_changes, len(candidates))):
        assert member.joined is not None
        joined_day = (member.joined.date() - spec.start.date()).days
        day = rng.randint(joined_day + 3, max(joined_day + 3, int(spec.days * 0.6)))
        member.renamed_at = _daytime(spec, rng, day)
        member.new_name = names.number()
        events.append(
            _event(
                member.renamed_at, "number_changed", people=(member.name,), new_name=member.new_name
            )
        )


def _main_language(spec: GroupSpec) -> str:
    return max(spec.languages, key=lambda language: spec.languages[language])


# --- conversations -----------------------------------------------------------

# Staff and members present in one membership epoch, each with cumulative weights.
_Pool = tuple[list[Member], list[float], list[Member], list[float]]


class _Conversations:
    """The day-by-day message writer, merging messages with the scheduled events."""

    def __init__(self, spec: GroupSpec, cast: Cast, rng: random.Random):
        self.spec = spec
        self.cast = cast
        self.rng = rng
        self.languages = list(spec.languages)
        self.language_weights = [spec.languages[language] for language in self.languages]
        self.texts = {
            part: {
                language: [(text, _placeholders(text)) for text in texts]
                for language, texts in by_language.items()
            }
            for part, by_language in content.TEXTS.items()
        }
        self.training_days = spec.training_days or spec.days
        self.base_rate = spec.messages / max(
            1e-9, sum(self.day_factor(day) for day in range(spec.days))
        )
        self.hour_weights = list(itertools.accumulate(HOUR_ACTIVITY))
        self.sunday_hour_weights = list(itertools.accumulate(SUNDAY_HOUR_ACTIVITY))
        self.pools: dict[int, _Pool] = {}
        self.not_before = cast.fixed_messages[0].timestamp if cast.fixed_messages else spec.start

    def run(self) -> Iterator[Item]:
        spec, cast = self.spec, self.cast
        scheduled = sorted(cast.events + cast.fixed_messages, key=lambda item: item.timestamp)
        next_scheduled = 0
        count = 0
        for day in itertools.count():
            day_end = _day_start(spec, day + 1)
            items: list[Item] = []
            while next_scheduled < len(scheduled) and scheduled[next_scheduled].timestamp < day_end:
                items.append(scheduled[next_scheduled])
                next_scheduled += 1
            items.extend(self.day_messages(day))
            items.sort(key=lambda item: item.timestamp)

            for item in items:
                if item.kind == "event":
                    item.number = count
                    yield item
                    continue
                count += 1
                item.number = count
                if item.kind == "media" and count > spec.messages - spec.attach_last:
                    item.attach = True
                yield item
                if count >= spec.messages:
                    return

    def day_factor(self, day: int) -> float:
        for first, length in self.spec.silences:
            if first <= day < first + length:
                return 0.0
        weekday = _day_start(self.spec, day).weekday()
        factor = WEEKDAY_ACTIVITY[weekday]
        if day < 3:
            factor *= 2.0
        if day >= self.training_days:
            factor *= 0.35
        elif weekday in self.spec.session_weekdays:
            factor *= 1.4
        return factor

    def day_messages(self, day: int) -> list[Item]:
        factor = self.day_factor(day)
        if factor == 0.0:
            return []
        rng = self.rng
        expected = self.base_rate * factor * rng.lognormvariate(-0.06, 0.35)
        # Round at random so that groups with under one message a day still
        # write their share, and the target is always reached.
        quota = math.floor(expected) + (rng.random() < expected % 1)
        start = _day_start(self.spec, day)
        items: list[Item] = []

        weekday = start.weekday()
        if self._after_silence(day):
            moment = start + timedelta(hours=8, seconds=rng.randint(0, 3600))
            items += self.thread("welcome_back", moment, quota)
        if day < self.training_days and weekday in self.spec.session_weekdays:
            moment = start + timedelta(hours=self.spec.session_hour - rng.uniform(0.3, 1.5))
            items += self.thread("session", moment, quota - len(items))

        weights = self.sunday_hour_weights if weekday == 6 else self.hour_weights
        while len(items) < quota:
            hour = bisect.bisect(weights, rng.random() * weights[-1])
            moment = start + timedelta(seconds=hour * 3600 + rng.randint(0, 3599))
            kind = rng.choices(THREAD_TYPES, THREAD_WEIGHTS)[0]
            items += self.thread(kind, moment, quota - len(items))
        return items

    def _after_silence(self, day: int) -> bool:
        return any(first + length == day for first, length in self.spec.silences)

    def thread(self, kind: str, moment: datetime, limit: int) -> list[Item]:
        """Return one conversation of ``kind`` starting at ``moment``, at most ``limit`` long."""
        if limit <= 0:
            return []
        rng = self.rng
        moment = max(moment, self.not_before + timedelta(seconds=rng.randint(60, 3600)))
        end = datetime.combine(moment.date(), time(23, 59, 59))
        language = rng.choices(self.languages, cum_weights=None, weights=self.language_weights)[0]
        plan = self._plan(kind, moment)

        items: list[Item] = []
        previous: Member | None = None
        for step, (role, part, gap) in enumerate(plan[:limit]):
            if step:
                moment = min(end, moment + timedelta(seconds=gap + rng.expovariate(1 / gap)))
            author = self._author(role, part, moment, avoid=previous)
            if author is None:
                continue
            previous = author
            if rng.random() > 0.8:
                language = rng.choices(self.languages, weights=self.language_weights)[0]
            items.append(self._message(author, part, language, moment))
        return items

    def _chatter_part(self, moment: datetime) -> str:
        """Return the text part a chat starts with: greetings fit the time of day."""
        roll = self.rng.random()
        if roll < 0.25:
            if moment.hour < 10:
                return "morning"
            if moment.hour >= 20:
                return "night"
            if moment.weekday() == 6:
                return "sunday"
        return "chatter"

    def _plan(self, kind: str, moment: datetime) -> list[tuple[str, str, float]]:
        """Return the steps of a conversation: (who writes, what part, mean gap in s)."""
        rng = self.rng
        if kind == "session":
            return [("staff", "announce", 0)] + [
                ("member", "ack", 40) for _ in range(rng.randint(3, 14))
            ]
        if kind == "welcome_back":
            return [("creator", "welcome_back", 0)] + [
                ("member", "ack", 120) for _ in range(rng.randint(2, 6))
            ]
        if kind == "announce":
            return [("staff", "announce", 0)] + [
                ("member", "ack", 150) for _ in range(rng.randint(0, 6))
            ]
        if kind == "prompt":
            return [("staff", "prompt", 0)] + [
                ("member", "answer", 240) for _ in range(rng.randint(1, 9))
            ]
        if kind == "question":
            steps = [("member", "question", 0), ("staff", "reply", 900)]
            if rng.random() < 0.5:
                steps.append(("asker", "thanks", 300))
            if rng.random() < 0.3:
                steps.append(("member", "ack", 300))
            return steps
        if kind == "media":
            steps = [("member", "media", 0)]
            steps += [("same", "media", 8) for _ in range(rng.choice((0, 0, 0, 1, 2)))]
            steps += [("member", "media_react", 200) for _ in range(rng.randint(0, 2))]
            return steps
        steps = [("member", self._chatter_part(moment), 0)]
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            steps.append(("member", rng.choice(("chatter", "ack")), 300))
        return steps

    def _author(
        self, role: str, part: str, moment: datetime, avoid: Member | None
    ) -> Member | None:
        """Return who writes the next message: ``role`` is staff, member, creator,
        same (as the previous message) or asker (of the thread's question)."""
        if role == "creator":
            return self.cast.creator
        if role == "same" and avoid is not None:
            return avoid
        if role == "asker" and self._asker is not None:
            return self._asker
        staff, staff_weights, members, member_weights = self._pool(moment)
        chime_in = part in STAFF_CHIME_IN_PARTS and self.rng.random() < STAFF_CHIME_IN
        if role == "staff" or chime_in or not members:
            people, weights = staff, staff_weights
        else:
            people, weights = members, member_weights
        if not people:
            return None
        choice = people[bisect.bisect(weights, self.rng.random() * weights[-1])]
        if choice is avoid and len(people) > 1:
            choice = people[bisect.bisect(weights, self.rng.random() * weights[-1])]
        if part == "question":
            self._asker = choice
        return choice

    _asker: Member | None = None

    def _pool(self, moment: datetime) -> _Pool:
        """Return who can write at ``moment``, with cumulative weights (cached per epoch)."""
        epoch = bisect.bisect_right(self.cast.change_times, moment)
        pool = self.pools.get(epoch)
        if pool is None:
            since = self.cast.change_times[max(0, epoch - 1)]
            staff = [m for m in self.cast.staff if m.present_at(since) and m.weight > 0]
            members = [m for m in self.cast.members if m.present_at(since) and m.weight > 0]
            pool = (
                staff,
                list(itertools.accumulate(m.weight for m in staff)),
                members,
                list(itertools.accumulate(m.weight for m in members)),
            )
            self.pools[epoch] = pool
        return pool

    def _message(self, author: Member, part: str, language: str, moment: datetime) -> Item:
        rng = self.rng
        name = author.name_at(moment)
        if part == "media":
            return Item(moment, "media", 0, author=name, media=rng.choice(MEDIA_TYPES))
        if rng.random() < self.spec.deleted_share:
            return Item(moment, "deleted", 0, author=name)
        if part in ("chatter", "ack") and rng.random() < 0.03 * self.spec.media_share:
            return Item(moment, "media", 0, author=name, media="sticker")
        text = self._text(part, language)
        # Each further sentence is as likely as the one before it. Without
        # more_sentences no random number is drawn, so other groups stay as they were.
        more = self.spec.more_sentences if part != "ack" else 0.0
        while more and rng.random() < more:
            text = f"{text} {self._text(part, language)}"
        return Item(moment, "message", 0, author=name, text=text)

    def _text(self, part: str, language: str) -> str:
        """Return a text of ``part`` in ``language`` with its placeholders filled."""
        rng = self.rng
        texts = self.texts[part].get(language) or self.texts[part]["en"]
        text, keys = texts[math.floor(rng.random() * len(texts))]
        for key in keys:
            fillers = content.FILLERS[language][key]
            text = text.replace("{" + key + "}", fillers[math.floor(rng.random() * len(fillers))])
        return text


def _placeholders(text: str) -> tuple[str, ...]:
    keys = []
    for key in ("topic", "day", "time", "amount", "item", "link"):
        if "{" + key + "}" in text:
            keys.append(key)
    return tuple(keys)
