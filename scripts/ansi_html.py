#!/usr/bin/env python3
"""ansi_html.py - turns a terminal screen captured with `tmux capture-pane
-p -e -N` into an HTML page that shows it as the terminal did, for
scripts/screenshots to photograph with a headless browser.

    ansi_html.py COLS ROWS < screen.ansi > screen.html

Understands the SGR sequences tmux writes (bold, dim, italic, underline,
reverse; the 8, 16 and 256 colours and 24-bit colour); ignores any other
escape sequence. Prints the page size in pixels on stderr as "W H".
"""
import html
import re
import sys

FONT_PX = 14
CELL_W = 8.43  # DejaVu Sans Mono advances 0.602 em
CELL_H = 17
PAD = 10
FG, BG = "#d4d4d4", "#1c1c1c"

# The 16 colours of a dark terminal theme (xterm's order).
BASE16 = [
    "#1c1c1c", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc",
    "#11a8cd", "#d4d4d4", "#666666", "#f14c4c", "#23d18b", "#f5f543",
    "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
]


def color256(n):
    """The colour of xterm's palette entry n, as #rrggbb."""
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
        return "#%02x%02x%02x" % (r, g, b)
    v = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (v, v, v)


class State:
    """The attributes of the cells being written."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.under = self.reverse = False

    def sgr(self, params):
        ps = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(ps):
            p = ps[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 2:
                self.dim = True
            elif p == 3:
                self.italic = True
            elif p == 4:
                self.under = True
            elif p == 7:
                self.reverse = True
            elif p == 22:
                self.bold = self.dim = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.under = False
            elif p == 27:
                self.reverse = False
            elif 30 <= p <= 37:
                self.fg = BASE16[p - 30]
            elif 90 <= p <= 97:
                self.fg = BASE16[p - 90 + 8]
            elif 40 <= p <= 47:
                self.bg = BASE16[p - 40]
            elif 100 <= p <= 107:
                self.bg = BASE16[p - 100 + 8]
            elif p == 39:
                self.fg = None
            elif p == 49:
                self.bg = None
            elif p in (38, 48) and i + 1 < len(ps):
                if ps[i + 1] == 5 and i + 2 < len(ps):
                    c = color256(ps[i + 2])
                    i += 2
                elif ps[i + 1] == 2 and i + 4 < len(ps):
                    c = "#%02x%02x%02x" % tuple(ps[i + 2:i + 5])
                    i += 4
                else:
                    c = None
                if p == 38:
                    self.fg = c
                else:
                    self.bg = c
                i += 1
            i += 1

    def style(self):
        fg, bg = self.fg, self.bg
        if self.bold and fg in BASE16[:8]:
            fg = BASE16[BASE16.index(fg) + 8]  # bold brightens, as xterm
        if self.reverse:
            fg, bg = bg or BG, fg or FG
        out = []
        if fg:
            out.append("color:" + fg)
        if bg:
            out.append("background:" + bg)
        if self.bold:
            out.append("font-weight:bold")
        if self.dim:
            out.append("opacity:.6")
        if self.italic:
            out.append("font-style:italic")
        if self.under:
            out.append("text-decoration:underline")
        return ";".join(out)


ESC = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b[()][A-Za-z0-9]|\x1b.")


def line_html(line, st):
    """The HTML of one screen line; st carries over to the next line."""
    out, pos = [], 0
    for m in ESC.finditer(line):
        out.append((st.style(), line[pos:m.start()]))
        if m.group(2) == "m":
            st.sgr(m.group(1))
        pos = m.end()
    out.append((st.style(), line[pos:]))
    parts = []
    for style, text in out:
        if not text:
            continue
        text = html.escape(text)
        parts.append('<span style="%s">%s</span>' % (style, text) if style
                     else text)
    return "".join(parts)


def main():
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    lines = sys.stdin.read().split("\n")[:rows]
    lines += [""] * (rows - len(lines))
    st = State()
    body = "".join('<div class="l">%s</div>' % line_html(l, st)
                     for l in lines)
    w = int(cols * CELL_W + 2 * PAD + 0.999)
    h = rows * CELL_H + 2 * PAD
    sys.stdout.write(
        "<!doctype html><meta charset=utf-8><style>"
        "html,body{margin:0;background:%s}"
        "pre{margin:0;padding:%dpx;color:%s;font:%dpx/%dpx 'DejaVu Sans Mono',"
        "monospace;width:%dpx;height:%dpx;overflow:hidden}"
        ".l{height:%dpx;white-space:pre}"
        "</style><pre>%s</pre>\n"
        % (BG, PAD, FG, FONT_PX, CELL_H, w - 2 * PAD, h - 2 * PAD, CELL_H,
           body))
    sys.stderr.write("%d %d\n" % (w, h))


if __name__ == "__main__":
    main()
