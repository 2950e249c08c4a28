/* json.h - the one JSON writer behind every --json output.
 *
 * Writes to a FILE*, inserting commas and indentation itself. Strings are
 * escaped per RFC 8259; control characters as \u00XX; bytes that are not
 * valid UTF-8 become U+FFFD, so output is always valid JSON and UTF-8. */
#ifndef SPY_JSON_H
#define SPY_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SPY_JSON_DEPTH 32

typedef struct spy_json {
    FILE *out;
    int pretty;                /* indent two spaces per level */
    int depth;                 /* open containers */
    int count[SPY_JSON_DEPTH]; /* values written in each container */
    int after_key;             /* a key was written, value comes next */
} spy_json;

/* Starts a writer on out (not owned). pretty: 1 indented, 0 compact. */
void spy_json_init(spy_json *j, FILE *out, int pretty);
void spy_json_obj_begin(spy_json *j);
void spy_json_obj_end(spy_json *j);
void spy_json_arr_begin(spy_json *j);
void spy_json_arr_end(spy_json *j);
/* Writes an object key; the next call writes its value. */
void spy_json_key(spy_json *j, const char *key);
void spy_json_str(spy_json *j, const char *s);
void spy_json_strn(spy_json *j, const char *s, size_t n);
/* Writes the member key: name, a NAME or path as raw bytes. A name that is
 * not valid UTF-8 cannot be written losslessly as a JSON string (its bad
 * bytes become U+FFFD), so a second member, key + "_hex", then holds its
 * bytes as lower-case hex digits; "hex:" followed by them is a NAME that
 * every command accepts. Valid UTF-8 names get no _hex member. */
void spy_json_name(spy_json *j, const char *key, const char *name);
void spy_json_int(spy_json *j, int64_t v);
void spy_json_uint(spy_json *j, uint64_t v);
/* Finite doubles in shortest round-trip form; NaN/inf become null. */
void spy_json_double(spy_json *j, double v);
void spy_json_bool(spy_json *j, int v);
void spy_json_null(spy_json *j);
/* Ends the document with a newline. */
void spy_json_end(spy_json *j);

#endif
