/* keys.c - key tables: offering a key to the rows that bind it.
 *
 * Every key of the TUI is a row of a table (ui.h: spy__key), a view's or
 * the loop's; the help screen (help.c) is drawn from the same rows. */
#include "ui.h"

/* Does the code (a key code or a SPY__KC_ class) of a row match ch? */
static int code_matches(int code, int ch) {
    switch (code) {
    case SPY__KC_HEX:
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
               (ch >= 'A' && ch <= 'F');
    case SPY__KC_PRINT:
        return ch >= 0x20 && ch <= 0x7e;
    default:
        return code == ch;
    }
}

int spy__keys_for(const spy__key *k, int kind) {
    int j, marked = 0;

    for (j = 0; j < SPY__KEY_CODES && k->codes[j] != 0; j++) {
        if (k->codes[j] == SPY__KC_ONLY(kind))
            return 1;
        if (k->codes[j] <= SPY__KC_ONLY(0))
            marked = 1;
    }
    return !marked;
}

int spy__keys_dispatch(spy__keymap m, spy__view *v, int ch) {
    size_t i;
    int j, r;

    for (i = 0; i < m.n; i++) {
        const spy__key *k = &m.row[i];
        if (!spy__keys_for(k, v->kind))
            continue;
        for (j = 0; j < SPY__KEY_CODES && k->codes[j] != 0; j++) {
            spy__keyhit hit = {v, v->self, ch, j, k->arg};
            if (!code_matches(k->codes[j], ch))
                continue;
            r = k->fn(&hit);
            if (r != SPY__KEY_IGNORED)
                return r;
            break; /* declined: the later rows may want it */
        }
    }
    return SPY__KEY_IGNORED;
}
