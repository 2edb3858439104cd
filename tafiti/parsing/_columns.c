/*
 * The per-message column work of tafiti.parsing.parser, in one loop in C.
 *
 * parser.py cuts the export text at every header with re.split and reads the
 * distinct dates and times. This module turns the resulting columns into the
 * record fields that need a look at every message. These are the timestamps,
 * line numbers, one string object per distinct author, the longest body, and
 * which messages could be anything but a plain message (the "candidates" that
 * parser.py classifies in Python). parser.py has the same steps in Python and
 * uses them when this module was not built. The tests run both and compare them.
 *
 * records() then makes the Record objects (a dataclass with __slots__) by
 * setting their slots directly, which is what the dataclass's __init__ does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <structmember.h>

/* Literal beginnings or endings of phrases, with their first (or last) character. */
typedef struct {
    Py_ssize_t count;
    PyObject **texts;   /* borrowed from the tuple passed in */
    Py_UCS4 *anchors;   /* first character of a beginning, last of an ending */
    unsigned char latin1[256]; /* 1 for each anchor below 256, for a quick no */
} Literals;

static int
literals_init(Literals *literals, PyObject *tuple, int at_end)
{
    literals->count = PyTuple_GET_SIZE(tuple);
    literals->texts = NULL;
    literals->anchors = NULL;
    memset(literals->latin1, 0, sizeof(literals->latin1));
    if (literals->count == 0) {
        return 0;
    }
    literals->texts = PyMem_Malloc(sizeof(PyObject *) * literals->count);
    literals->anchors = PyMem_Malloc(sizeof(Py_UCS4) * literals->count);
    if (literals->texts == NULL || literals->anchors == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < literals->count; i++) {
        PyObject *text = PyTuple_GET_ITEM(tuple, i);
        if (!PyUnicode_Check(text) || PyUnicode_GET_LENGTH(text) == 0) {
            PyErr_SetString(PyExc_TypeError, "phrase anchors must be non-empty strings");
            return -1;
        }
        literals->texts[i] = text;
        Py_ssize_t at = at_end ? PyUnicode_GET_LENGTH(text) - 1 : 0;
        literals->anchors[i] = PyUnicode_READ_CHAR(text, at);
        if (literals->anchors[i] < 256) {
            literals->latin1[literals->anchors[i]] = 1;
        }
    }
    return 0;
}

static void
literals_free(Literals *literals)
{
    PyMem_Free(literals->texts);
    PyMem_Free(literals->anchors);
}

/* 1 when body starts (direction -1) or ends (direction 1) with one of the literals. */
static int
literals_match(const Literals *literals, PyObject *body, Py_UCS4 anchor, int direction)
{
    if (anchor < 256 && !literals->latin1[anchor]) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < literals->count; i++) {
        if (literals->anchors[i] != anchor) {
            continue;
        }
        Py_ssize_t found = PyUnicode_Tailmatch(body, literals->texts[i], 0, PY_SSIZE_T_MAX,
                                               direction);
        if (found != 0) {
            return (int)found; /* 1, or -1 with an exception set */
        }
    }
    return 0;
}

/* Count line ends in body and tell whether it contains one of the marks. */
static Py_ssize_t
scan_body(PyObject *body, const Py_UCS4 *marks, Py_ssize_t mark_count, int *marked)
{
    int kind = PyUnicode_KIND(body);
    const void *data = PyUnicode_DATA(body);
    Py_ssize_t length = PyUnicode_GET_LENGTH(body);
    Py_ssize_t newlines = 0;
    *marked = 0;
    if (mark_count == 0 && kind == PyUnicode_1BYTE_KIND) {
        const char *start = data;
        const char *end = start + length;
        const char *at = start;
        while ((at = memchr(at, '\n', end - at)) != NULL) {
            newlines++;
            at++;
        }
        return newlines;
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '\n') {
            newlines++;
        }
        else if (c > 0x7f) {
            for (Py_ssize_t m = 0; m < mark_count; m++) {
                if (c == marks[m]) {
                    *marked = 1;
                }
            }
        }
    }
    return newlines;
}

static int
check_list(PyObject *value, const char *name, Py_ssize_t length)
{
    if (!PyList_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list", name);
        return -1;
    }
    if (length >= 0 && PyList_GET_SIZE(value) != length) {
        PyErr_Format(PyExc_ValueError, "%s must have one item per message", name);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(columns_doc,
"columns(dates, times, authors, bodies, days, clocks, first_line, heads, tails, marks)\n"
"--\n\n"
"Return (stamps, authors, lines, candidates, distinct, longest, longest_index)\n"
"for the "
"messages whose header date, time and author texts and bodies are given.\n\n"
"days and clocks map each date and time text to its date and time. heads and\n"
"tails are tuples of the literal beginnings and endings of the phrases an\n"
"authored line may match; marks is a string of the direction marks found in\n"
"the text. A message is a candidate when it has no author, spans several\n"
"lines, contains a mark, or starts with a head or ends with a tail. authors\n"
"comes back with one string object per distinct author, and distinct maps each\n"
"distinct author to itself. Consecutive messages with the same date and time\n"
"share one datetime object.");

static PyObject *
columns(PyObject *module, PyObject *args)
{
    PyObject *dates, *times, *authors, *bodies, *days, *clocks, *heads, *tails, *marks;
    Py_ssize_t first_line;
    if (!PyArg_ParseTuple(args, "OOOOO!O!nO!O!U", &dates, &times, &authors, &bodies,
                          &PyDict_Type, &days, &PyDict_Type, &clocks, &first_line,
                          &PyTuple_Type, &heads, &PyTuple_Type, &tails, &marks)) {
        return NULL;
    }
    if (check_list(bodies, "bodies", -1) < 0) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(bodies);
    if (check_list(dates, "dates", count) < 0 || check_list(times, "times", count) < 0
        || check_list(authors, "authors", count) < 0) {
        return NULL;
    }
    Py_ssize_t mark_count = PyUnicode_GET_LENGTH(marks);
    Py_UCS4 mark_chars[8];
    if (mark_count > 8) {
        PyErr_SetString(PyExc_ValueError, "at most 8 marks");
        return NULL;
    }
    for (Py_ssize_t m = 0; m < mark_count; m++) {
        mark_chars[m] = PyUnicode_READ_CHAR(marks, m);
    }

    Literals head_literals, tail_literals;
    PyObject *stamps = NULL, *distinct = NULL, *canonical = NULL, *lines = NULL;
    PyObject *candidates = NULL, *result = NULL;
    int heads_ready = literals_init(&head_literals, heads, 0);
    int tails_ready = literals_init(&tail_literals, tails, 1);
    if (heads_ready < 0 || tails_ready < 0) {
        goto done;
    }

    stamps = PyList_New(count);
    canonical = PyList_New(count);
    lines = PyList_New(count);
    candidates = PyList_New(0);
    distinct = PyDict_New();
    if (stamps == NULL || canonical == NULL || lines == NULL || candidates == NULL
        || distinct == NULL) {
        goto done;
    }

    PyObject *last_day = NULL, *last_clock = NULL, *last_stamp = NULL;
    Py_ssize_t line = first_line, longest = -1, longest_index = -1;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *body = PyList_GET_ITEM(bodies, i);
        if (!PyUnicode_Check(body)) {
            PyErr_SetString(PyExc_TypeError, "bodies must be strings");
            goto done;
        }

        /* The timestamp: date and time read once per distinct text in parser.py. */
        PyObject *day = PyDict_GetItemWithError(days, PyList_GET_ITEM(dates, i));
        PyObject *clock = PyDict_GetItemWithError(clocks, PyList_GET_ITEM(times, i));
        if (day == NULL || clock == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_KeyError, "no date or time for message %zd", i);
            }
            goto done;
        }
        if (day != last_day || clock != last_clock) {
            if (!PyDate_Check(day) || !PyTime_Check(clock)) {
                PyErr_Format(PyExc_TypeError, "message %zd has no valid date and time", i);
                goto done;
            }
            last_stamp = PyDateTime_FromDateAndTime(
                PyDateTime_GET_YEAR(day), PyDateTime_GET_MONTH(day), PyDateTime_GET_DAY(day),
                PyDateTime_TIME_GET_HOUR(clock), PyDateTime_TIME_GET_MINUTE(clock),
                PyDateTime_TIME_GET_SECOND(clock), PyDateTime_TIME_GET_MICROSECOND(clock));
            if (last_stamp == NULL) {
                goto done;
            }
            last_day = day;
            last_clock = clock;
        }
        else {
            Py_INCREF(last_stamp);
        }
        PyList_SET_ITEM(stamps, i, last_stamp);

        /* One string object per distinct author. */
        PyObject *author = PyList_GET_ITEM(authors, i);
        PyObject *first_seen = PyDict_SetDefault(distinct, author, author);
        if (first_seen == NULL) {
            goto done;
        }
        Py_INCREF(first_seen);
        PyList_SET_ITEM(canonical, i, first_seen);

        /* Line number of the header, and what the body holds. */
        PyObject *number = PyLong_FromSsize_t(line);
        if (number == NULL) {
            goto done;
        }
        PyList_SET_ITEM(lines, i, number);
        int marked;
        Py_ssize_t newlines = scan_body(body, mark_chars, mark_count, &marked);
        line += 1 + newlines;
        Py_ssize_t length = PyUnicode_GET_LENGTH(body);
        if (length > longest) {
            longest = length;
            longest_index = i;
        }

        int candidate = author == Py_None || newlines > 0 || marked;
        if (!candidate && length > 0) {
            candidate = literals_match(&head_literals, body, PyUnicode_READ_CHAR(body, 0), -1);
            if (candidate == 0) {
                candidate = literals_match(&tail_literals, body,
                                           PyUnicode_READ_CHAR(body, length - 1), 1);
            }
            if (candidate < 0) {
                goto done;
            }
        }
        if (candidate) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (index == NULL || PyList_Append(candidates, index) < 0) {
                Py_XDECREF(index);
                goto done;
            }
            Py_DECREF(index);
        }
    }
    result = Py_BuildValue("(OOOOOnn)", stamps, canonical, lines, candidates, distinct,
                           longest, longest_index);

done:
    /* literals_init sets both pointers before it can fail, so this frees either way. */
    literals_free(&head_literals);
    literals_free(&tail_literals);
    Py_XDECREF(stamps);
    Py_XDECREF(canonical);
    Py_XDECREF(lines);
    Py_XDECREF(candidates);
    Py_XDECREF(distinct);
    return result;
}

PyDoc_STRVAR(records_doc,
"records(cls, names, columns, defaults)\n"
"--\n\n"
"Return a list of cls objects: the i-th has, for each name in names, the i-th\n"
"item of the matching list in columns, then the values in defaults for the\n"
"names after those. cls must keep every name in a __slots__ slot and must not\n"
"need its __init__ (a dataclass without __post_init__).");

static PyObject *
records(PyObject *module, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *names, *column_lists, *defaults;
    if (!PyArg_ParseTuple(args, "O!O!O!O!", &PyType_Type, &cls, &PyTuple_Type, &names,
                          &PyTuple_Type, &column_lists, &PyTuple_Type, &defaults)) {
        return NULL;
    }
    Py_ssize_t field_count = PyTuple_GET_SIZE(names);
    Py_ssize_t column_count = PyTuple_GET_SIZE(column_lists);
    if (field_count > 32 || column_count == 0
        || column_count + PyTuple_GET_SIZE(defaults) != field_count) {
        PyErr_SetString(PyExc_ValueError, "need one column or default per name, at most 32");
        return NULL;
    }
    Py_ssize_t offsets[32];
    for (Py_ssize_t f = 0; f < field_count; f++) {
        PyObject *descriptor = PyObject_GetAttr((PyObject *)cls, PyTuple_GET_ITEM(names, f));
        if (descriptor == NULL) {
            return NULL;
        }
        int is_slot = Py_IS_TYPE(descriptor, &PyMemberDescr_Type)
            && ((PyMemberDescrObject *)descriptor)->d_member->type == T_OBJECT_EX
            && !(((PyMemberDescrObject *)descriptor)->d_member->flags & READONLY);
        if (is_slot) {
            offsets[f] = ((PyMemberDescrObject *)descriptor)->d_member->offset;
        }
        Py_DECREF(descriptor);
        if (!is_slot) {
            PyErr_Format(PyExc_TypeError, "%R is not a __slots__ slot of %s",
                         PyTuple_GET_ITEM(names, f), cls->tp_name);
            return NULL;
        }
    }
    Py_ssize_t count = -1;
    for (Py_ssize_t c = 0; c < column_count; c++) {
        PyObject *column = PyTuple_GET_ITEM(column_lists, c);
        if (check_list(column, "each column", count) < 0) {
            return NULL;
        }
        count = PyList_GET_SIZE(column);
    }

    PyObject *result = PyList_New(count);
    if (result == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *record = cls->tp_alloc(cls, 0);
        if (record == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        for (Py_ssize_t f = 0; f < field_count; f++) {
            PyObject *value = f < column_count
                ? PyList_GET_ITEM(PyTuple_GET_ITEM(column_lists, f), i)
                : PyTuple_GET_ITEM(defaults, f - column_count);
            Py_INCREF(value);
            *(PyObject **)((char *)record + offsets[f]) = value;
        }
        PyList_SET_ITEM(result, i, record);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"columns", columns, METH_VARARGS, columns_doc},
    {"records", records, METH_VARARGS, records_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "tafiti.parsing._columns",
    .m_doc = "The per-message column work of the parser, and its Record objects, in C.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__columns(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
