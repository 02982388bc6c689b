"""Plain-text rendering of `thresher explain` results for a terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STYLE = {"content": "green", "chrome": "dim", "teaser": "yellow"}


def _page_table(page: dict, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    t.add_column("#", justify="right")
    t.add_column("role")
    t.add_column("why")
    t.add_column("text", overflow="fold", max_width=70)
    for b in page["blocks"]:
        spread = ", ".join(f"{k}={v}" for k, v in b["spread"].items() if v not in (None, 0, False))
        why = b["why"].split(":")[0] + (f" [{spread}]" if spread else "")
        text = b["text"] if len(b["text"]) <= 140 else b["text"][:137] + "..."
        t.add_row(str(b["pos"]), f"[{STYLE[b['role']]}]{b['role']}[/]", escape(why), escape(text))
    return t


def _decision(page: dict) -> str:
    if page["kept"]:
        return "kept"
    if page["reason"] == "empty":
        return "dropped: no own content"
    return f"dropped: {page['reason']} of {page['duplicate_of']}"


def render(result: dict) -> None:
    console = Console()
    if "verdict" not in result:
        p = result
        console.print(f"[bold]{p['id']}[/]  site {p['site']}  cluster {p['cluster']}  {_decision(p)}  "
                      f"({p['content_lines']} of {len(p['blocks'])} blocks are own content)")
        console.print(_page_table(p, "blocks"))
        return
    a, b = result["a"], result["b"]
    console.print(f"[bold]{result['verdict']}[/] — {result['rule']}")
    raw, own = result["raw_similarity"], result["content_similarity"]
    for name, sim in (("raw pages:  ", raw), ("own content:", own)):
        console.print(f"{name} Jaccard {sim['jaccard']:.2f}  (a in b {sim['a_in_b']:.2f}, b in a {sim['b_in_a']:.2f})")
    console.print(f"a = {a['id']} ({_decision(a)}), b = {b['id']} ({_decision(b)})")
    shared = Table(title=f"{len(result['shared_passages'])} shared passages", title_justify="left")
    for col in ("a#", "b#", "match", "text"):
        shared.add_column(col, overflow="fold", max_width=70 if col == "text" else None)
    for s in result["shared_passages"]:
        shared.add_row(str(s["pos_a"]), str(s["pos_b"]), s["match"], escape(s["text"][:140]))
    console.print(shared)
    console.print(_page_table(a, f"a: {a['id']}"))
    console.print(_page_table(b, f"b: {b['id']}"))
