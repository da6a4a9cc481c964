"""OFX body (SGML 1.x or XML 2.x) → an lxml tree, in one linear pass.

This replaces ofxparse's `OfxPreprocessedFile` + BeautifulSoup step, which is quadratic (a list
lookup per open tag: 50,000 transactions ≈ 180 s). Rules, applied token by token:

- a tag followed by text is an *element* (leaf): it ends at the next tag, and its own closing tag,
  when the file has one (`<CODE>0</CODE>`), is consumed;
- a tag followed by another tag is an *aggregate*, closed by its closing tag; a closing tag closes
  the aggregates still open inside it (a missing `</BANKTRANLIST>` before `</STMTRS>`), and a tag
  that cannot be inside an open aggregate closes it first (`<LEDGERBAL>` after a missing
  `</BANKTRANLIST>`, a `<STMTTRN>` after a missing `</STMTTRN>`), with a warning naming the line;
- an empty element (`<MEMO>` followed by a tag, `<MEMO></MEMO>`, `<MEMO/>`) stays an empty leaf;
- `<?…?>` and `<!…>` (XML declaration, OFX 2 header, comments) are skipped; entities are decoded.

Tag names are lower-cased (ofxparse looks them up in lower case). Aggregates and the leaves in
`LINED` carry their line number (attribute `l`), used by the adapter's messages.
"""

from __future__ import annotations

import html
import re

from lxml import etree

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_.]*)\s*(/?)>|<[!?][^>]*>")

# Elements (leaves) that banks send empty, followed directly by the next tag.
EMPTY_LEAVES = frozenset({"memo", "name", "checknum", "refnum", "payeeid", "fitid", "sic", "dtuser", "dtavail",
                          "message", "org", "fid", "branchid", "acctkey", "mktginfo", "language", "dtacctup",
                          "trnuid", "trnamt", "balamt", "dtasof", "dtstart", "dtend", "srvrtid", "correctfitid",
                          "inctranimg", "extdname", "curdef", "accttype"})

# Leaves whose line messages name (the others take their parent's line: fewer attributes, faster).
LINED = frozenset({"trnamt", "dtposted", "fitid", "balamt", "dtasof", "acctid"})
_NO_ATTRS: dict = {}

# Opening the key closes the open aggregates listed (outermost first found), as real files forget them.
_CLOSES = {
    "stmttrn": ("stmttrn",),
    "ledgerbal": ("banktranlist", "stmttrn"),
    "availbal": ("banktranlist", "stmttrn", "ledgerbal"),
    "ballist": ("banktranlist", "stmttrn", "ledgerbal", "availbal"),
    "stmtrs": ("stmtrs",),
    "ccstmtrs": ("ccstmtrs",),
    "stmttrnrs": ("stmttrnrs",),
    "ccstmttrnrs": ("ccstmttrnrs",),
}


def build_tree(text: str, *, first_line: int = 1) -> tuple[etree._Element, list[str]]:
    """The root element (`<ofx>`, or a synthetic `<ofx>` holding the top level) and warnings."""
    builder = etree.TreeBuilder()
    warnings: list[str] = []
    stack: list[str] = []
    line = first_line
    pos = 0
    pending: str | None = None      # open tag whose kind (leaf / aggregate) its content decides
    pending_line = 0
    closed_leaf: str | None = None  # leaf just ended: its own closing tag, if next, is consumed
    builder.start("ofx", {"l": str(first_line)})

    def leaf(name: str, at: int, value: str | None) -> None:
        builder.start(name, {"l": str(at)} if name in LINED else _NO_ATTRS)
        if value:
            builder.data(html.unescape(value) if "&" in value else value)
        builder.end(name)

    def close_to(index: int, reason_line: int, reason: str | None) -> None:
        while len(stack) > index:
            name = stack.pop()
            builder.end(name)
            if reason:
                warnings.append(f"linha {reason_line}: faltava </{name.upper()}> antes de {reason}")

    def open_aggregate(name: str, at: int) -> None:
        for closes in _CLOSES.get(name, ()):
            if closes in stack:
                close_to(stack.index(closes), at, f"<{name.upper()}>")
                break
        builder.start(name, {"l": str(at)})
        stack.append(name)

    for m in _TOKEN.finditer(text):
        start = m.start()
        between = text[pos:start]
        tag_line = line + between.count("\n")
        slash, raw_name, self_closing = m.group(1), m.group(2), m.group(3)
        name = raw_name.lower() if raw_name else None
        if pending is not None:
            if between.strip():
                leaf(pending, pending_line, between.strip())
                closed_leaf = pending
            elif slash and name == pending:      # <MEMO></MEMO>
                leaf(pending, pending_line, None)
                closed_leaf = pending
            elif pending in EMPTY_LEAVES or slash:  # <MEMO> then the next tag
                leaf(pending, pending_line, None)
                closed_leaf = None
            else:
                open_aggregate(pending, pending_line)
                closed_leaf = None
            pending = None
        pos = m.end()
        line = tag_line + m.group(0).count("\n")
        if name is None:                         # <?…?> / <!…>
            closed_leaf = None
            continue
        if slash:
            if name == closed_leaf:
                closed_leaf = None
                continue
            closed_leaf = None
            if name in stack:
                index = len(stack) - 1 - stack[::-1].index(name)
                close_to(index + 1, tag_line, f"</{name.upper()}>")
                builder.end(stack.pop())
            elif name != "ofx":
                warnings.append(f"linha {tag_line}: </{raw_name}> sem a tag de abertura; ignorada")
            continue
        closed_leaf = None
        if self_closing:
            leaf(name, tag_line, None)
        elif name == "ofx" and not stack:
            continue                             # the root is already open
        else:
            pending, pending_line = name, tag_line
    if pending is not None:
        tail = text[pos:].strip()
        if tail:
            leaf(pending, pending_line, tail)
        else:
            open_aggregate(pending, pending_line)
    close_to(0, line, None)
    builder.end("ofx")
    return builder.close(), warnings
