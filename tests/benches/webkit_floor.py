"""The memory floor of WebKitGTK on this machine: a window with one WebKitGTK view showing a
three-element page, with the app's rendering setting (`WEBKIT_DISABLE_DMABUF_RENDERER=1`),
idle; prints the PSS of each of its processes by mapping, as the desk bench does for the app.

Reference for the desk bench's idle memory (BENCHMARKS.md, session 15): what any program that
shows a page through WebKitGTK holds here before the page's own code. Needs Debian's
python3-gi and gir1.2-webkit2-4.1 (the latter comes with libwebkit2gtk-4.1-dev):

    WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1 \
      xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/python3 tests/benches/webkit_floor.py
"""

import collections
import os
import re

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

IDLE_SECONDS = 12


def children(root):
    """`root` and its descendants (pids)."""
    parents = {}
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        parents[int(p)] = (int(stat.rsplit(")", 1)[1].split()[1]), stat.split("(")[1].split(")")[0])
    tree, i = [root], 0
    while i < len(tree):
        tree += [p for p, (pp, _) in parents.items() if pp == tree[i]]
        i += 1
    return [(p, parents[p][1]) for p in tree if p in parents]


def report():
    total = 0
    for pid, name in children(os.getpid()):
        by, current = collections.Counter(), "[anon]"
        for line in open(f"/proc/{pid}/smaps"):
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split(None, 5)
                current = os.path.basename(fields[5].strip()) if len(fields) > 5 else "[anon]"
            elif line.startswith("Pss:"):
                by[current] += int(line.split()[1])
        pss = sum(by.values())
        total += pss
        largest = " · ".join(f"{m} {kb / 1024:.1f}" for m, kb in by.most_common(6))
        print(f"{name}: {pss / 1024:.0f} MB ({largest})")
    print(f"all processes: {total / 1024:.0f} MB")
    Gtk.main_quit()


window = Gtk.Window()
window.set_default_size(1280, 800)
view = WebKit2.WebView()
window.add(view)
view.load_html("<h1>Bonjour</h1><p>Texte</p><button>OK</button>", "about:blank")
window.show_all()
GLib.timeout_add_seconds(IDLE_SECONDS, report)
Gtk.main()
