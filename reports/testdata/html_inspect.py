#!/usr/bin/env python3
"""Parses report.html with the standard library's HTML parser and prints
what the tests check, as JSON: tag counts, nesting errors, image sources,
references to anything outside the file, budget table rows, section ids and
the document text (entities decoded)."""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
URL_ATTRS = {"src", "href", "action", "poster", "srcset", "background", "data", "formaction",
             "xlink:href", "cite"}


class Inspect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.errors = {}, [], []
        self.imgs, self.external, self.ids = [], [], []
        self.rows, self.row, self.cell = [], None, None
        self.text, self.in_style = [], False
        self.doctype = False

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)
        if tag in ("script", "link", "iframe", "object", "embed", "base", "frame"):
            self.external.append("<%s>" % tag)
        for k, v in attrs:
            v = v or ""
            if k == "id":
                self.ids.append(v)
            if k in URL_ATTRS and not v.startswith("data:"):
                self.external.append("%s=%s" % (k, v[:60]))
            if k == "style" and re.search(r"url\(|@import", v):
                self.external.append("style=%s" % v[:60])
            if k.startswith("on"):
                self.external.append("%s handler" % k)
        if tag == "img":
            self.imgs.append(dict(attrs).get("src", "")[:40])
        if tag == "tr" and ("class", "budget") in attrs:
            self.row = []
        if tag == "td" and self.row is not None:
            self.cell = []
        if tag == "style":
            self.in_style = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else ""))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()
        if tag == "td" and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            if re.search(r"url\(|@import|@font-face", data):
                self.external.append("css: " + data[:60])
            return
        if self.cell is not None:
            self.cell.append(data)
        self.text.append(data)


p = Inspect()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
if p.stack:
    p.errors.append("unclosed: " + ",".join(p.stack))
json.dump({"doctype": p.doctype, "tags": p.tags, "errors": p.errors, "imgs": p.imgs,
           "external": p.external, "ids": p.ids, "budget_rows": p.rows,
           "text": "".join(p.text)}, sys.stdout)
