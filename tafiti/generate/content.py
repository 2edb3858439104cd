"""Invented names and message texts for the generated exports.

Every name and number here is made up: people's names are combinations of
common first names and surnames, and phone numbers sit in the ranges
``+254 700 000 xxx`` (Kenya) and ``+258 84 000 xxxx`` (Mozambique), which the
generated exports use for contacts a phone has not saved. Links point at
``example.org`` hosts.

Texts are grouped by the part they play in a conversation (see ``TEXTS``) and
by language (``en``, ``sw``, ``pt``). Placeholders in braces are filled from
``FILLERS`` of the same language when a message is written. No text may read as
a WhatsApp system phrase or start a line with a date, because the generated
exports must parse back to exactly the records the manifest counts.
"""

from __future__ import annotations

FIRST_NAMES = {
    "ke": [
        "Wanjiru",
        "Achieng",
        "Akinyi",
        "Atieno",
        "Njeri",
        "Wambui",
        "Nyambura",
        "Chebet",
        "Mwikali",
        "Kerubo",
        "Moraa",
        "Nafula",
        "Auma",
        "Halima",
        "Zawadi",
        "Neema",
        "Faith",
        "Grace",
        "Mercy",
        "Esther",
        "Lucy",
        "Purity",
        "Beatrice",
        "Caroline",
        "Joyce",
        "Ruth",
        "Salome",
        "Winnie",
        "Otieno",
        "Baraka",
        "Juma",
        "Hassan",
        "Kevin",
        "Brian",
        "Dennis",
        "Peter",
        "Samuel",
        "Daniel",
        "Collins",
        "Felix",
        "Eric",
        "Moses",
        "Joseph",
        "Kiprono",
        "Mwangi",
        "Omondi",
        "Amina",
        "Rehema",
        "Tabitha",
        "Jane",
        "Edwin",
        "Victor",
        "Lilian",
    ],
    "mz": [
        "Ana",
        "Maria",
        "Fátima",
        "Luísa",
        "Joaquim",
        "Celso",
        "Inês",
        "Rosa",
        "Albertina",
        "Celeste",
        "Amélia",
        "Ernesto",
        "Francisco",
        "Helena",
        "Jacinta",
        "Lurdes",
        "Argentina",
        "Benvinda",
        "Carlota",
        "Domingos",
        "Elias",
        "Felizarda",
        "Gilda",
        "Hortência",
        "Isabel",
        "Júlia",
        "Laura",
        "Marta",
        "Nélia",
        "Olga",
        "Paulo",
        "Quitéria",
        "Sérgio",
        "Teresa",
    ],
}

SURNAMES = {
    "ke": [
        "Kamau",
        "Mwangi",
        "Otieno",
        "Ochieng",
        "Wanjiku",
        "Njoroge",
        "Kiprono",
        "Cheruiyot",
        "Mutua",
        "Mwende",
        "Wafula",
        "Barasa",
        "Odhiambo",
        "Kariuki",
        "Githinji",
        "Muthoni",
        "Nyaga",
        "Omollo",
        "Keter",
        "Rotich",
        "Said",
        "Ali",
        "Achieng",
        "Karanja",
        "Maina",
        "Waweru",
        "Chege",
        "Kiplagat",
        "Langat",
        "Atieno",
        "Nduta",
        "Wekesa",
        "Simiyu",
        "Korir",
    ],
    "mz": [
        "Machava",
        "Cossa",
        "Mabunda",
        "Nhantumbo",
        "Sitoe",
        "Macuácua",
        "Tembe",
        "Muianga",
        "Zunguze",
        "Langa",
        "Bila",
        "Nhaca",
        "Matsinhe",
        "Cumbe",
        "Massingue",
        "Chauque",
        "Mucavele",
        "Novela",
        "Ubisse",
        "Chirindza",
        "Manhiça",
        "Vilanculo",
    ],
}

# Business words that members add to their WhatsApp names ("Njeri Fashions").
NAME_BUSINESSES = {
    "ke": ["Fashions", "Salon", "Hardware", "Mitumba", "Cereals", "Mboga", "Duka", "Agrovet"],
    "mz": ["Costura", "Mercearia", "Salão", "Bancada", "Machamba"],
}

NAME_EMOJI = ["🌻", "🌺", "💐", "✨", "🦋", "👑", "🌍", "💫"]


def phone_number(country: str, serial: int) -> str:
    """Return the invented phone number number ``serial`` of ``country``."""
    if country == "mz":
        return f"+258 84 000 {serial % 10000:04d}"
    return f"+254 700 000{serial % 1000:03d}"


FILLERS = {
    "en": {
        "topic": [
            "record keeping",
            "pricing and profit",
            "customer care",
            "saving with a chama",
            "stock control",
            "mobile money for business",
            "marketing on WhatsApp",
            "separating business and household money",
            "loan repayment plans",
            "registering your business",
        ],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "time": ["9 AM", "10 AM", "11 AM", "2 PM", "4 PM", "7 PM"],
        "amount": ["1,200", "2,500", "3,000", "4,750", "600", "15,000", "8,200", "950"],
        "item": [
            "tomatoes",
            "sukuma wiki",
            "second-hand shoes",
            "charcoal",
            "eggs",
            "airtime",
            "braids",
            "chapati flour",
            "soap",
            "maize",
            "school uniforms",
            "kitenge fabric",
        ],
        "link": [
            "https://learn.example.org/duka-bora/week-3",
            "https://forms.example.org/weekly-sales",
            "https://meet.example.org/cohort-session",
            "https://videos.example.org/pricing-basics",
            "https://docs.example.org/cash-book-template.pdf",
            "https://example.org/market-prices?county=nakuru",
        ],
    },
    "sw": {
        "topic": [
            "utunzaji wa kumbukumbu",
            "bei na faida",
            "huduma kwa wateja",
            "kuweka akiba",
            "usimamizi wa stoo",
            "M-Pesa kwa biashara",
            "matangazo",
            "mikopo",
        ],
        "day": ["Jumatatu", "Jumanne", "Jumatano", "Alhamisi", "Ijumaa", "Jumamosi"],
        "time": ["saa tatu asubuhi", "saa nne asubuhi", "saa nane mchana", "saa moja usiku"],
        "amount": ["1,200", "2,500", "3,000", "4,750", "600", "15,000", "8,200", "950"],
        "item": [
            "nyanya",
            "sukuma",
            "viatu",
            "makaa",
            "mayai",
            "unga",
            "sabuni",
            "mahindi",
            "vitenge",
            "maziwa",
            "mandazi",
        ],
        "link": [
            "https://learn.example.org/somo-la-tatu",
            "https://forms.example.org/mauzo-ya-wiki",
            "https://meet.example.org/kikao",
            "https://videos.example.org/faida",
        ],
    },
    "pt": {
        "topic": [
            "registo de vendas",
            "preço e lucro",
            "atendimento ao cliente",
            "poupança",
            "controlo de stock",
            "M-Pesa e e-Mola no negócio",
            "crédito",
        ],
        "day": ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"],
        "time": ["8h", "9h", "10h", "14h", "16h"],
        "amount": ["1.200", "2.500", "3.000", "750", "15.000", "4.300"],
        "item": [
            "tomate",
            "peixe seco",
            "capulanas",
            "carvão",
            "ovos",
            "recargas",
            "farinha",
            "sabão",
            "amendoim",
        ],
        "link": [
            "https://aprender.example.org/sessao-4",
            "https://forms.example.org/vendas-semanais",
            "https://meet.example.org/formacao",
        ],
    },
}

# Texts by conversation part and language. Staff (facilitators, advisors)
# write "announce", "prompt", "reply", "welcome_back" and "no_adverts"; members
# write the rest.
TEXTS: dict[str, dict[str, list[str]]] = {
    "announce": {
        "en": [
            "Good morning everyone 🌞\n\nToday's session is on {topic}. We start at {time}, "
            "please be on time.",
            "Reminder: our next class is on {day} at {time}.\nBring your sales book and a pen. ✍🏾",
            "Hello cohort! This week's assignment:\n1. Write down every sale for 7 days\n"
            "2. Write down every expense\n3. Share your totals here on {day}",
            "Here is the link for today's session: {link}",
            "Please fill the weekly sales form before {day} 👉 {link}",
            "Dear members,\n\nThe training venue has changed to the social hall next to the "
            "market.\nSame time, {time}.\n\nThank you 🙏",
            "Well done to everyone who submitted the assignment 👏🏾👏🏾 Keep it up!",
            "Today's notes on {topic} are here: {link}\nRead them before {day}.",
            "We will have a guest speaker from the bank on {day} to talk about {topic}. "
            "Come with your questions!",
            "Quick reminder to all: loan repayments are due on {day}. Talk to me privately if "
            "you have a challenge.",
        ],
        "sw": [
            "Habari za asubuhi wanachama! 🌞\n\nKikao cha leo ni kuhusu {topic}, tutaanza {time}.",
            "Kumbukeni darasa la {day} {time}. Mje na daftari la mauzo.",
            "Kazi ya wiki hii:\n1. Andika mauzo ya kila siku\n2. Andika matumizi yote\n\n"
            "Tutajadili {day}.",
            "Somo la leo liko hapa: {link}",
            "Hongereni wote mliomaliza kazi ya wiki iliyopita 👏🏾 Tuendelee hivyo!",
            "Wapendwa wanachama,\n\nTafadhali jazeni fomu ya mauzo kabla ya {day}: {link}",
            "Mkutano wa chama utakuwa {day} {time}. Karibuni wote 🙏",
        ],
        "pt": [
            "Bom dia a todos 🌞\n\nA sessão de hoje é sobre {topic}. Começamos às {time}.",
            "Lembrete: a próxima formação é na {day} às {time}. Tragam o caderno de vendas.",
            "Tarefa desta semana:\n1. Registar todas as vendas durante 7 dias\n"
            "2. Registar todas as despesas\n\nPartilhem os totais na {day}.",
            "O link da sessão de hoje: {link}",
            "Parabéns a todas que entregaram a tarefa 👏🏾",
            "Caros participantes,\n\nPreencham o formulário de vendas até {day}: {link}",
        ],
    },
    "prompt": {
        "en": [
            "What was your biggest expense this week?",
            "Who has opened a separate mobile money account for the business? 🙋🏾‍♀️",
            "How much did you sell yesterday? Let's share and learn.",
            "What is one thing you changed in your business after last week's class?",
            "How do you decide the price of your {item}?",
            "Who has started keeping daily records? Reply with ✅",
            "What challenge are you facing this week?",
        ],
        "sw": [
            "Matumizi yako makubwa wiki hii yalikuwa gani?",
            "Nani ameanza kuandika mauzo kila siku? Jibu na ✅",
            "Jana mliuza kiasi gani? Tushirikiane.",
            "Unapangaje bei ya {item} zako?",
            "Changamoto gani mnapata wiki hii?",
        ],
        "pt": [
            "Qual foi a vossa maior despesa esta semana?",
            "Quem já começou a registar as vendas todos os dias? Respondam com ✅",
            "Quanto venderam ontem?",
            "Como definem o preço do vosso {item}?",
        ],
    },
    "answer": {
        "en": [
            "Transport to the market is my biggest cost",
            "Rent for the stall",
            "I sold {amount} yesterday 📈",
            "I have started writing every sale in my book ✅",
            "✅",
            "Me I buy {item} in bulk now, it is cheaper",
            "Customers were few because of the rain 🌧️",
            "I opened a till number last week",
            "I now price my {item} by adding transport to the buying price",
            "Still struggling to separate the money but trying 😅",
            "Yesterday was good, {amount} bob",
        ],
        "sw": [
            "Nauli ya kwenda sokoni ndio gharama kubwa",
            "Kodi ya kibanda",
            "Jana niliuza {amount} 📈",
            "Nimeanza kuandika kila mauzo ✅",
            "✅",
            "Nanunua {item} kwa jumla sasa, ni rahisi zaidi",
            "Wateja walikuwa wachache kwa sababu ya mvua 🌧️",
            "Bado sijaanza lakini nitajaribu wiki hii",
            "Leo nimeuza {amount} bob 💪🏾",
        ],
        "pt": [
            "O transporte para o mercado é a maior despesa",
            "Ontem vendi {amount} meticais 📈",
            "Já comecei a registar tudo ✅",
            "✅",
            "Agora compro {item} por grosso, fica mais barato",
            "Poucos clientes por causa da chuva 🌧️",
        ],
    },
    "ack": {
        "en": [
            "Noted 👍🏽",
            "Thank you madam 🙏",
            "Asante",
            "Ok noted",
            "Well received",
            "Amen 🙏",
            "Thanks",
            "👍🏾",
            "🙏🙏",
            "Will be there",
            "Present",
            "Sure",
            "Thank you coach",
        ],
        "sw": [
            "Asante sana 🙏",
            "Sawa",
            "Tumepokea",
            "Ahsante mwalimu",
            "Nitakuwepo",
            "Amina 🙏",
            "Poa",
            "Sawa sawa 👍🏾",
            "Shukran",
        ],
        "pt": [
            "Obrigada 🙏",
            "Recebido",
            "Ok",
            "Estarei presente",
            "Obrigado formadora",
            "Combinado 👍🏾",
            "Amém 🙏",
        ],
    },
    "question": {
        "en": [
            "How do I calculate profit? Is it sales minus what I bought?",
            "Please how do we register for a KRA PIN?",
            "Can I take a loan from the group for stock?",
            "Sorry I missed the class, where can I get the notes?",
            "What time is the session on {day}?",
            "Is it ok to use the M-Pesa statement as my record book?",
            "How do you deal with customers who take goods on credit and don't pay? 😩",
            "Where can I buy {item} at wholesale price in town?",
            "Good evening. Is the meeting still on {day}?",
        ],
        "sw": [
            "Faida inahesabiwa aje? Ni mauzo toa bei ya kununua?",
            "Naomba kuuliza, tunasajili biashara wapi?",
            "Naweza kuchukua mkopo wa chama kununua stoo?",
            "Samahani sikuhudhuria, nitapata notes wapi?",
            "Kikao cha {day} ni saa ngapi?",
            "Wateja wa mkopo wasiolipa tunawafanyaje? 😩",
            "Kesho tunaanza saa ngapi?\n\nWhat time do we start tomorrow?",
        ],
        "pt": [
            "Como se calcula o lucro?",
            "Onde se regista o negócio?",
            "Posso pedir crédito do grupo para comprar stock?",
            "Desculpem, faltei à sessão. Onde encontro o material?",
            "A sessão de {day} é a que horas?",
        ],
    },
    "reply": {
        "en": [
            "Profit = sales minus ALL costs: stock, transport, rent and even your own lunch "
            "from the business.",
            "Good question! The notes are here: {link}",
            "The session is at {time}, same place.",
            "Keep a separate book for credit customers and agree on a date to pay. "
            "Don't give new credit until the old one is paid.",
            "Yes you can, talk to the treasurer and fill the loan form.",
            "Visit the county business office with your ID. We will also cover it on {day}.",
            "The statement helps, but write daily too, cash sales are not on M-Pesa.",
        ],
        "sw": [
            "Faida = mauzo toa gharama zote: stoo, nauli, kodi na hata chakula chako.",
            "Swali zuri! Notes ziko hapa: {link}",
            "Kikao ni {time}, mahali pale pale.",
            "Andika wateja wa mkopo kwa daftari lao na mkubaliane siku ya kulipa.",
            "Ndio unaweza, ongea na mweka hazina.",
        ],
        "pt": [
            "Lucro = vendas menos TODOS os custos: stock, transporte, renda.",
            "Boa pergunta! O material está aqui: {link}",
            "A sessão é às {time}, no mesmo sítio.",
            "Sim, fale com a tesoureira do grupo.",
        ],
    },
    "thanks": {
        "en": ["Thank you so much, now I understand 🙏", "Ahaa ok, thanks", "Very helpful 👍🏽"],
        "sw": ["Asante sana, nimeelewa 🙏", "Aaah sawa, asante", "Nimeelewa sasa 👍🏽"],
        "pt": ["Obrigada, agora percebi 🙏", "Ah ok, obrigado"],
    },
    "chatter": {
        "en": [
            "Have a blessed week ahead",
            "Business was slow today but we move 💪🏾",
            "Today I restocked {item}, customers were asking a lot",
            "Who else sells {item}? Let's talk about prices",
            "Thank you for today's session, I learnt a lot about {topic}",
            "I am selling {item} at a good price, call me 📞",
            "Congratulations to our chairlady on her new shop 🎉🎉",
            "Rain has spoilt business this week 😔",
            "Market day tomorrow, pray for us 😂",
            "The new record book is working, I see where my money goes now",
            "Anyone going to the trade fair on {day}?",
        ],
        "sw": [
            "Wiki njema",
            "Biashara imekuwa ngumu leo lakini tunasonga 💪🏾",
            "Leo nimeongeza stoo ya {item}",
            "Nani mwingine anauza {item}? Tuongee bei",
            "Asanteni kwa somo la leo, nimejifunza mengi",
            "Nauza {item} kwa bei poa, nipigie 📞",
            "Hongera mwenyekiti kwa duka jipya 🎉",
            "Mvua imeharibu biashara wiki hii 😔",
            "Kesho ni siku ya soko, mtuombee 😂",
            "Mambo vipi wanachama?",
        ],
        "pt": [
            "Boa semana",
            "Hoje o negócio esteve fraco mas vamos em frente 💪🏾",
            "Hoje comprei mais {item}",
            "Quem mais vende {item}?",
            "Obrigada pela sessão de hoje, aprendi muito",
            "Parabéns à Dona do grupo pela nova banca 🎉",
        ],
    },
    "morning": {
        "en": ["Good morning family 🌞", "Morning all, let's go make money 💪🏾", "Morning 🌞"],
        "sw": ["Habari za asubuhi familia 🌞", "Sasa wanachama, siku njema", "Mwaamkaje?"],
        "pt": ["Bom dia família 🌞", "Bom dia a todas"],
    },
    "night": {
        "en": ["Good night all", "Good night family 🌙", "Closing the shop now, good night"],
        "sw": ["Usiku mwema", "Lala salama wote 🌙", "Usiku mwema wanachama"],
        "pt": ["Boa noite a todos", "Boa noite 🌙"],
    },
    "sunday": {
        "en": ["Happy Sunday everyone 🙏", "Blessed Sunday family"],
        "sw": ["Jumapili njema wote 🙏", "Jumapili yenye baraka"],
        "pt": ["Bom domingo a todas 🙏"],
    },
    "media_react": {
        "en": ["Very nice 😍", "How much?", "Beautiful work 👏🏾", "Where is your shop?"],
        "sw": ["Poa sana 😍", "Bei gani?", "Kazi nzuri 👏🏾", "Duka lako liko wapi?"],
        "pt": ["Muito bonito 😍", "Quanto custa?", "Bom trabalho 👏🏾"],
    },
    "welcome": {
        "en": [
            "Welcome everyone to the group! 🎉\n\nThis is where we share class updates, "
            "questions and our business progress.\nPlease keep it respectful and "
            "business-related. 🙏",
        ],
        "sw": [
            "Karibuni wote kwenye kikundi! 🎉\n\nHapa tutashiriki habari za darasa, maswali na "
            "maendeleo ya biashara zetu.",
        ],
        "pt": [
            "Bem-vindas ao grupo! 🎉\n\nAqui partilhamos as informações da formação, dúvidas e "
            "o progresso dos negócios.",
        ],
    },
    "welcome_back": {
        "en": ["Welcome back everyone after the break! Classes resume this week 🙌🏾"],
        "sw": ["Karibuni tena baada ya likizo! Masomo yanaendelea wiki hii 🙌🏾"],
        "pt": ["Bem-vindas de volta! A formação recomeça esta semana 🙌🏾"],
    },
    "spam": {
        "en": [
            "EARN 5,000 DAILY FROM HOME!!! No experience needed. Click here 👉 "
            "https://easy-cash.example.org/join",
        ],
        "sw": ["Pata 5,000 kila siku ukiwa nyumbani!!! Bonyeza hapa 👉 https://pesa.example.org"],
        "pt": ["Ganhe 5.000 por dia em casa!!! Clique aqui 👉 https://dinheiro.example.org"],
    },
    "no_adverts": {
        "en": ["Please no adverts in this group 🙏 Only training and business discussions."],
        "sw": ["Tafadhali hakuna matangazo kwenye kikundi hiki 🙏"],
        "pt": ["Por favor, sem publicidade neste grupo 🙏"],
    },
}
