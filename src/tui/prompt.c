/* prompt.c - one-line input on the bottom line: goto, search, filter, and
 * yes/no questions. An initial value shows selected: the first typed
 * character replaces it; Backspace, Right or End keep it for editing. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define PROMPT_MAX 256

static struct {
    int active;
    int confirm; /* a yes/no question: one key answers */
    int fresh;   /* text is the untouched initial value: typing replaces it */
    char label[160];
    char text[PROMPT_MAX];
    size_t len;
    spy__prompt_cb done, change;
    void *self;
} P;

void spy__prompt_line(const char *label, const char *init, spy__prompt_cb done,
                      spy__prompt_cb change, void *self) {
    memset(&P, 0, sizeof P);
    P.active = 1;
    snprintf(P.label, sizeof P.label, "%s", label);
    if (init != NULL) {
        snprintf(P.text, sizeof P.text, "%s", init);
        P.len = strlen(P.text);
        P.fresh = P.len > 0;
    }
    P.done = done;
    P.change = change;
    P.self = self;
}

void spy__prompt_confirm(const char *question, spy__prompt_cb done,
                         void *self) {
    spy__prompt_line(question, NULL, done, NULL, self);
    P.confirm = 1;
}

int spy__prompt_active(void) {
    return P.active;
}

void spy__prompt_drop(void) {
    P.active = 0;
}

/* Ends the prompt, then calls done: the callback may start a new one. */
static void finish(const char *text) {
    spy__prompt_cb done = P.done;
    void *self = P.self;
    char copy[PROMPT_MAX];

    if (text != NULL) {
        snprintf(copy, sizeof copy, "%s", text);
        text = copy;
    }
    P.active = 0;
    if (done != NULL)
        done(self, text);
}

void spy__prompt_key(int ch) {
    if (!P.active)
        return;
    if (P.confirm) {
        finish(ch == 'y' || ch == 'Y' ? "y" : NULL);
        return;
    }
    switch (ch) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        finish(P.text);
        return;
    case 27: /* Escape */
    case 7:  /* Ctrl-G */
        finish(NULL);
        return;
    case KEY_RIGHT:
    case KEY_END:
        P.fresh = 0; /* keep the initial value, type after it */
        return;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        P.fresh = 0;
        if (P.len == 0)
            return;
        P.text[--P.len] = '\0';
        break;
    case 21: /* Ctrl-U */
        P.fresh = 0;
        P.len = 0;
        P.text[0] = '\0';
        break;
    default:
        /* Printable ASCII only: what we echo must be safe to draw. */
        if (ch < 0x20 || ch > 0x7e)
            return;
        if (P.fresh) {
            /* Like a selected field: the first key replaces it. */
            P.fresh = 0;
            P.len = 0;
        }
        if (P.len + 1 >= sizeof P.text)
            return;
        P.text[P.len++] = (char)ch;
        P.text[P.len] = '\0';
        break;
    }
    if (P.change != NULL)
        P.change(P.self, P.text);
}

void spy__prompt_draw(int y) {
    int n, w = COLS, off = 0;

    n = spy__put(y, 0, w, SPY__R_BAR_HI, 0, "%s", P.label);
    if (n >= w)
        return;
    /* Keep the end of a long text visible. */
    if ((int)P.len > w - n - 1)
        off = (int)P.len - (w - n - 1);
    /* An untouched initial value shows selected: typing replaces it. */
    if (P.fresh) {
        int m = spy__put(y, n, w - n, SPY__R_CURSOR, 0, "%s", P.text + off);
        spy__put(y, n + m, w - n - m, SPY__R_NORMAL, 1, "%s", "");
    } else {
        spy__put(y, n, w - n, SPY__R_NORMAL, 1, "%s", P.text + off);
    }
    move(y, n + (int)P.len - off);
}
