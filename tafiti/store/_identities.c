/*
 * The per-record loop of tafiti.store.identity.record_identities, in C.
 *
 * An import hashes every record of an export, so this loop is a large part of
 * a first import. identity.py defines what is hashed. It keeps the same loop in
 * Python for installs without this module, and the tests compare the two. This
 * module gets the parts that do not depend on the record (the field prefixes of
 * messages and events, the hash personalisation) from identity.py. It calls
 * back into Python for the rare records it does not handle itself: media
 * records, whose text identity.py folds, and timestamps of a datetime subclass.
 *
 * The hash is BLAKE2b with a 16-byte digest and a personalisation string and no
 * key, as RFC 7693 specifies it. hashlib cannot be reached from C without a
 * Python call per record, which would cost most of what the loop saves.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <stdint.h>
#include <string.h>

/* ---- BLAKE2b (RFC 7693), digest of 16 bytes, no key ---- */

#define BLOCK_BYTES 128
#define DIGEST_BYTES 16

static const uint64_t blake2b_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
    0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* Message word order of each round; rounds 10 and 11 repeat rounds 0 and 1. */
static const uint8_t blake2b_sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static inline uint64_t
load_le64(const uint8_t *bytes)
{
    uint64_t word = 0;
    for (int i = 7; i >= 0; i--) {
        word = (word << 8) | bytes[i];
    }
    return word;
}

static inline uint64_t
rotate_right(uint64_t word, int bits)
{
    return (word >> bits) | (word << (64 - bits));
}

#define MIX(a, b, c, d, x, y)                      \
    do {                                           \
        v[a] = v[a] + v[b] + (x);                  \
        v[d] = rotate_right(v[d] ^ v[a], 32);      \
        v[c] = v[c] + v[d];                        \
        v[b] = rotate_right(v[b] ^ v[c], 24);      \
        v[a] = v[a] + v[b] + (y);                  \
        v[d] = rotate_right(v[d] ^ v[a], 16);      \
        v[c] = v[c] + v[d];                        \
        v[b] = rotate_right(v[b] ^ v[c], 63);      \
    } while (0)

static void
blake2b_compress(uint64_t h[8], const uint8_t block[BLOCK_BYTES], uint64_t counted, int last)
{
    uint64_t v[16];
    uint64_t m[16];
    for (int i = 0; i < 16; i++) {
        m[i] = load_le64(block + 8 * i);
    }
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = blake2b_iv[i];
    }
    /* The byte counter is 128 bits; its high word stays zero for inputs under 2^64 bytes. */
    v[12] ^= counted;
    if (last) {
        v[14] = ~v[14];
    }
    for (int round = 0; round < 12; round++) {
        const uint8_t *s = blake2b_sigma[round % 10];
        MIX(0, 4, 8, 12, m[s[0]], m[s[1]]);
        MIX(1, 5, 9, 13, m[s[2]], m[s[3]]);
        MIX(2, 6, 10, 14, m[s[4]], m[s[5]]);
        MIX(3, 7, 11, 15, m[s[6]], m[s[7]]);
        MIX(0, 5, 10, 15, m[s[8]], m[s[9]]);
        MIX(1, 6, 11, 12, m[s[10]], m[s[11]]);
        MIX(2, 7, 8, 13, m[s[12]], m[s[13]]);
        MIX(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/* Hash ``length`` bytes with the 16-byte personalisation ``person`` into ``digest``. */
static void
blake2b_16(const uint8_t *data, size_t length, const uint8_t person[16], uint8_t digest[DIGEST_BYTES])
{
    uint64_t h[8];
    uint8_t block[BLOCK_BYTES];
    uint64_t counted = 0;

    memcpy(h, blake2b_iv, sizeof(h));
    /* Parameter block: digest length, key length 0, fanout 1, depth 1; salt zero. */
    h[0] ^= 0x01010000ULL ^ DIGEST_BYTES;
    h[6] ^= load_le64(person);
    h[7] ^= load_le64(person + 8);

    while (length > BLOCK_BYTES) {
        counted += BLOCK_BYTES;
        blake2b_compress(h, data, counted, 0);
        data += BLOCK_BYTES;
        length -= BLOCK_BYTES;
    }
    memset(block, 0, sizeof(block));
    memcpy(block, data, length);
    counted += length;
    blake2b_compress(h, block, counted, 1);

    for (int i = 0; i < DIGEST_BYTES; i++) {
        digest[i] = (uint8_t)(h[i / 8] >> (8 * (i % 8)));
    }
}

/* ---- A growable byte buffer for one record's hashed bytes ---- */

typedef struct {
    uint8_t *bytes;
    size_t length;
    size_t capacity;
} Buffer;

static int
buffer_reserve(Buffer *buffer, size_t more)
{
    if (buffer->length + more <= buffer->capacity) {
        return 0;
    }
    size_t capacity = buffer->capacity ? buffer->capacity : 256;
    while (capacity < buffer->length + more) {
        capacity *= 2;
    }
    uint8_t *grown = PyMem_Realloc(buffer->bytes, capacity);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    buffer->bytes = grown;
    buffer->capacity = capacity;
    return 0;
}

static int
buffer_add(Buffer *buffer, const void *bytes, size_t length)
{
    if (buffer_reserve(buffer, length) < 0) {
        return -1;
    }
    memcpy(buffer->bytes + buffer->length, bytes, length);
    buffer->length += length;
    return 0;
}

/* Add a field as identity.py's _fields writes it: 8-byte big-endian length, then the bytes. */
static int
buffer_add_field(Buffer *buffer, const void *bytes, size_t length)
{
    uint8_t prefix[8];
    uint64_t size = length;
    for (int i = 7; i >= 0; i--) {
        prefix[i] = (uint8_t)(size & 0xff);
        size >>= 8;
    }
    if (buffer_add(buffer, prefix, 8) < 0) {
        return -1;
    }
    return buffer_add(buffer, bytes, length);
}

/* ---- The loop over records ---- */

static PyObject *name_kind, *name_text, *name_author, *name_timestamp;
static PyObject *kind_event, *kind_message, *kind_deleted;

/* Add the text field: the UTF-8 bytes of ``text``, lone surrogates written as they are
 * ("surrogatepass"), as identity.py encodes texts. An ASCII string's own characters are
 * those bytes. Other strings are encoded into a bytes object that is dropped again:
 * PyUnicode_AsUTF8AndSize would keep a UTF-8 copy inside every string. */
static int
add_text_field(Buffer *buffer, PyObject *text)
{
    if (PyUnicode_IS_ASCII(text)) {
        return buffer_add_field(buffer, PyUnicode_DATA(text), (size_t)PyUnicode_GET_LENGTH(text));
    }
    PyObject *encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (encoded == NULL) {
        return -1;
    }
    int added = buffer_add_field(buffer, PyBytes_AS_STRING(encoded), (size_t)PyBytes_GET_SIZE(encoded));
    Py_DECREF(encoded);
    return added;
}

/* Add the minute field of a plain naive datetime, as isoformat(timespec="minutes") writes it.
 * Returns 1 when done, 0 when ``timestamp`` is not a plain datetime, and -1 with
 * ValueError for an aware one: identities are defined on the wall-clock time as
 * exported, and two aware times can be equal with different minute texts. */
static int
add_minute(Buffer *buffer, PyObject *timestamp)
{
    if (!PyDateTime_Check(timestamp)) {
        return 0;
    }
    if (PyDateTime_DATE_GET_TZINFO(timestamp) != Py_None) {
        PyErr_SetString(PyExc_ValueError,
                        "a record's timestamp must be naive (the wall-clock time as exported)");
        return -1;
    }
    if (!PyDateTime_CheckExact(timestamp)) {
        return 0;
    }
    /* "YYYY-MM-DDTHH:MM"; datetime's years run from 1 to 9999. */
    char minute[16];
    int year = PyDateTime_GET_YEAR(timestamp);
    int parts[4] = {
        PyDateTime_GET_MONTH(timestamp), PyDateTime_GET_DAY(timestamp),
        PyDateTime_DATE_GET_HOUR(timestamp), PyDateTime_DATE_GET_MINUTE(timestamp),
    };
    minute[0] = (char)('0' + year / 1000);
    minute[1] = (char)('0' + year / 100 % 10);
    minute[2] = (char)('0' + year / 10 % 10);
    minute[3] = (char)('0' + year % 10);
    const char separators[4] = {'-', '-', 'T', ':'};
    for (int i = 0; i < 4; i++) {
        minute[4 + 3 * i] = separators[i];
        minute[5 + 3 * i] = (char)('0' + parts[i] / 10);
        minute[6 + 3 * i] = (char)('0' + parts[i] % 10);
    }
    return buffer_add_field(buffer, minute, sizeof(minute)) < 0 ? -1 : 1;
}

/* The author field of ``author`` (None for events), from ``cache`` or made and cached. */
static PyObject *
author_field(PyObject *author, PyObject *aliases, PyObject *cache)
{
    PyObject *field = PyDict_GetItemWithError(cache, author);
    if (field != NULL || PyErr_Occurred()) {
        return field; /* borrowed */
    }
    Buffer buffer = {NULL, 0, 0};
    if (author == Py_None) {
        if (buffer_add_field(&buffer, "\0", 1) < 0) {
            goto failed;
        }
    } else {
        PyObject *canonical = PyDict_GetItemWithError(aliases, author);
        if (canonical == NULL) {
            if (PyErr_Occurred()) {
                goto failed;
            }
            canonical = author;
        }
        if (!PyUnicode_Check(canonical)) {
            PyErr_SetString(PyExc_TypeError, "an author must be a string");
            goto failed;
        }
        Py_ssize_t size;
        const char *utf8 = PyUnicode_AsUTF8AndSize(canonical, &size);
        if (utf8 == NULL) {
            goto failed;
        }
        /* The field is "a" followed by the name, so no name can equal the None field. */
        if (buffer_reserve(&buffer, (size_t)size + 9) < 0) {
            goto failed;
        }
        uint8_t prefix[9];
        uint64_t length = (uint64_t)size + 1;
        for (int i = 7; i >= 0; i--) {
            prefix[i] = (uint8_t)(length & 0xff);
            length >>= 8;
        }
        prefix[8] = 'a';
        if (buffer_add(&buffer, prefix, 9) < 0 || buffer_add(&buffer, utf8, (size_t)size) < 0) {
            goto failed;
        }
    }
    field = PyBytes_FromStringAndSize((const char *)buffer.bytes, (Py_ssize_t)buffer.length);
    PyMem_Free(buffer.bytes);
    if (field == NULL) {
        return NULL;
    }
    int stored = PyDict_SetItem(cache, author, field);
    Py_DECREF(field); /* the cache keeps a reference */
    return stored < 0 ? NULL : field;

failed:
    PyMem_Free(buffer.bytes);
    return NULL;
}

/* Write the fields of one record before its occurrence number to ``buffer``, after a
 * first byte that is 1 for an event and 0 for a message. */
static int
record_body(Buffer *buffer, PyObject *record, PyObject *aliases, PyObject *authors,
            PyObject *deleted_text, PyObject *folded_text, PyObject *minute_field)
{
    int status = -1;
    PyObject *kind = NULL, *text = NULL, *author = NULL, *timestamp = NULL;

    kind = PyObject_GetAttr(record, name_kind);
    if (kind == NULL) {
        goto done;
    }
    /* A kind that is not a string equals none of these, as in Python. */
    int is_string = PyUnicode_Check(kind);
    int is_event = is_string && PyUnicode_Compare(kind, kind_event) == 0;
    if (is_event || (is_string && PyUnicode_Compare(kind, kind_message) == 0)) {
        text = PyObject_GetAttr(record, name_text);
    } else if (is_string && PyUnicode_Compare(kind, kind_deleted) == 0) {
        text = Py_NewRef(deleted_text);
    } else {
        text = PyObject_CallOneArg(folded_text, record);
    }
    if (text == NULL) {
        goto done;
    }
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "a record's text must be a string");
        goto done;
    }
    author = is_event ? Py_NewRef(Py_None) : PyObject_GetAttr(record, name_author);
    timestamp = PyObject_GetAttr(record, name_timestamp);
    if (author == NULL || timestamp == NULL) {
        goto done;
    }

    uint8_t event_byte = is_event ? 1 : 0;
    if (buffer_add(buffer, &event_byte, 1) < 0) {
        goto done;
    }
    int minute = add_minute(buffer, timestamp);
    if (minute < 0) {
        goto done;
    }
    if (minute == 0) {
        PyObject *field = PyObject_CallOneArg(minute_field, timestamp);
        if (field == NULL) {
            goto done;
        }
        if (!PyBytes_Check(field)) {
            Py_DECREF(field);
            PyErr_SetString(PyExc_TypeError, "the minute field must be bytes");
            goto done;
        }
        int added = buffer_add(buffer, PyBytes_AS_STRING(field), (size_t)PyBytes_GET_SIZE(field));
        Py_DECREF(field);
        if (added < 0) {
            goto done;
        }
    }
    PyObject *field = author_field(author, aliases, authors);
    if (field == NULL) {
        goto done;
    }
    if (buffer_add(buffer, PyBytes_AS_STRING(field), (size_t)PyBytes_GET_SIZE(field)) < 0) {
        goto done;
    }
    if (add_text_field(buffer, text) < 0) {
        goto done;
    }
    status = 0;

done:
    Py_XDECREF(kind);
    Py_XDECREF(text);
    Py_XDECREF(author);
    Py_XDECREF(timestamp);
    return status;
}

PyDoc_STRVAR(identities_doc,
"identities(records, aliases, message_prefix, event_prefix, person, deleted_text,\n"
"           folded_text, minute_field)\n"
"--\n\n"
"Return the 16-byte identity of each record, as identity.record_identities does.\n\n"
"message_prefix and event_prefix are the fields hashed before every message or\n"
"event; person is the hash personalisation (at most 16 bytes). deleted_text\n"
"stands in for a deletion notice's text; folded_text(record) gives the text of\n"
"other records that are not plain messages or events; minute_field(timestamp)\n"
"gives the minute field of a timestamp that is not a plain datetime. An aware\n"
"datetime raises ValueError.");

static PyObject *
identities(PyObject *module, PyObject *args)
{
    PyObject *records, *aliases, *deleted_text, *folded_text, *minute_field;
    Py_buffer prefixes[2], person;
    if (!PyArg_ParseTuple(args, "O!O!y*y*y*UOO:identities", &PyList_Type, &records,
                          &PyDict_Type, &aliases, &prefixes[0], &prefixes[1], &person,
                          &deleted_text, &folded_text, &minute_field)) {
        return NULL;
    }
    PyObject *result = NULL, *authors = NULL, *seen = NULL;
    Buffer body = {NULL, 0, 0};
    Buffer hashed = {NULL, 0, 0};
    uint8_t person_block[16] = {0};

    if (person.len > 16) {
        PyErr_SetString(PyExc_ValueError, "the personalisation is at most 16 bytes");
        goto done;
    }
    memcpy(person_block, person.buf, (size_t)person.len);
    Py_ssize_t count = PyList_GET_SIZE(records);
    result = PyList_New(count);
    authors = PyDict_New();
    seen = PyDict_New();
    if (result == NULL || authors == NULL || seen == NULL) {
        goto failed;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        body.length = 0;
        if (record_body(&body, PyList_GET_ITEM(records, i), aliases, authors, deleted_text,
                        folded_text, minute_field) < 0) {
            goto failed;
        }
        /* Records with the same body are numbered in export order: 0, 1, 2, ... */
        PyObject *key = PyBytes_FromStringAndSize((const char *)body.bytes, (Py_ssize_t)body.length);
        if (key == NULL) {
            goto failed;
        }
        PyObject *known = PyDict_GetItemWithError(seen, key);
        long occurrence = 0;
        if (known != NULL) {
            occurrence = PyLong_AsLong(known);
        } else if (PyErr_Occurred()) {
            Py_DECREF(key);
            goto failed;
        }
        PyObject *next = PyLong_FromLong(occurrence + 1);
        int stored = next == NULL ? -1 : PyDict_SetItem(seen, key, next);
        Py_XDECREF(next);
        Py_DECREF(key);
        if (stored < 0) {
            goto failed;
        }

        const Py_buffer *prefix = &prefixes[body.bytes[0]];
        /* The occurrence number in decimal, as str() writes it. */
        char number[24];
        int digits = 0;
        char reversed[24];
        long rest = occurrence;
        do {
            reversed[digits++] = (char)('0' + rest % 10);
            rest /= 10;
        } while (rest > 0);
        for (int d = 0; d < digits; d++) {
            number[d] = reversed[digits - 1 - d];
        }
        hashed.length = 0;
        if (buffer_add(&hashed, prefix->buf, (size_t)prefix->len) < 0
            || buffer_add(&hashed, body.bytes + 1, body.length - 1) < 0
            || buffer_add_field(&hashed, number, (size_t)digits) < 0) {
            goto failed;
        }
        uint8_t digest[DIGEST_BYTES];
        blake2b_16(hashed.bytes, hashed.length, person_block, digest);
        PyObject *identity = PyBytes_FromStringAndSize((const char *)digest, DIGEST_BYTES);
        if (identity == NULL) {
            goto failed;
        }
        PyList_SET_ITEM(result, i, identity);
    }
    goto done;

failed:
    Py_CLEAR(result);
done:
    Py_XDECREF(authors);
    Py_XDECREF(seen);
    PyMem_Free(body.bytes);
    PyMem_Free(hashed.bytes);
    PyBuffer_Release(&prefixes[0]);
    PyBuffer_Release(&prefixes[1]);
    PyBuffer_Release(&person);
    return result;
}

PyDoc_STRVAR(blake2b_16_doc,
"blake2b_16(data, person)\n"
"--\n\n"
"Return the 16-byte BLAKE2b digest of data with the personalisation person.\n"
"For the tests, which compare it with hashlib.");

static PyObject *
blake2b_16_py(PyObject *module, PyObject *args)
{
    Py_buffer data, person;
    if (!PyArg_ParseTuple(args, "y*y*:blake2b_16", &data, &person)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (person.len > 16) {
        PyErr_SetString(PyExc_ValueError, "the personalisation is at most 16 bytes");
    } else {
        uint8_t person_block[16] = {0};
        uint8_t digest[DIGEST_BYTES];
        memcpy(person_block, person.buf, (size_t)person.len);
        blake2b_16(data.buf, (size_t)data.len, person_block, digest);
        result = PyBytes_FromStringAndSize((const char *)digest, DIGEST_BYTES);
    }
    PyBuffer_Release(&data);
    PyBuffer_Release(&person);
    return result;
}

static PyMethodDef methods[] = {
    {"identities", identities, METH_VARARGS, identities_doc},
    {"blake2b_16", blake2b_16_py, METH_VARARGS, blake2b_16_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT, "tafiti.store._identities", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit__identities(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    name_kind = PyUnicode_InternFromString("kind");
    name_text = PyUnicode_InternFromString("text");
    name_author = PyUnicode_InternFromString("author");
    name_timestamp = PyUnicode_InternFromString("timestamp");
    kind_event = PyUnicode_InternFromString("event");
    kind_message = PyUnicode_InternFromString("message");
    kind_deleted = PyUnicode_InternFromString("deleted");
    if (name_kind == NULL || name_text == NULL || name_author == NULL || name_timestamp == NULL
        || kind_event == NULL || kind_message == NULL || kind_deleted == NULL) {
        return NULL;
    }
    return PyModule_Create(&module_definition);
}
