"""What WeasyPrint 70's tagged PDF (``pdf/a-3a``) lacks, mended on its object tree before it is written.

Run from render.py's finisher, on pydyf objects (no PDF parser). Three things, each a gap of WeasyPrint's
structure tree that a screen reader or a PDF/UA checker would meet:

- Margin boxes (the page number, the "예시 문서" note) are marked as content with an MCID whose structure
  element is left out of the tree (weasyprint/pdf/tags.py), so that content is neither in the tree nor an
  artifact. They are page furniture: they become artifacts.
- A list item is tagged ``LI`` → ``Lbl`` + loose spans, or ``LI`` → ``LBody`` → ``Lbl`` + spans when the item
  holds a nested list; ISO 32000-1 §14.8.4.3.3 has ``LI`` hold a ``Lbl`` and an ``LBody``, so they are regrouped.
- Empty elements (a ``<br>``, an empty spacer span, the footnote area's wrappers) are dropped: they would be
  announced as empty groups.
- PDF/UA-1 identification: WeasyPrint takes one variant, so ``pdf/a-3a`` gets no ``pdfuaid:part``; it is
  added to the XMP with the PDF/A extension schema that PDF/A-3 asks for any property it does not predefine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydyf

__all__ = ["mend"]

# ISO 14289-1 §5 identification, declared for PDF/A (ISO 19005-3 §6.6.2.3.2) as PDF/A-3 does not predefine it.
PDFUA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def mend(pdf: pydyf.PDF) -> None:
    """Make the margin boxes artifacts, give each list item a Lbl and an LBody, drop empty elements, identify
    PDF/UA-1."""
    root = _get(pdf, pdf.catalog["StructTreeRoot"])
    _drop_empty(pdf, _get(pdf, root["K"][0]))
    reachable = {int(ref.split()[0]) for ref in _descendants(pdf, root)}
    _margins_as_artifacts(pdf, _get(pdf, root["ParentTree"]), reachable)
    for number in sorted(reachable):
        element = pdf.objects[number]
        if element.get("S") == "/LI":
            _label_and_body(pdf, element)
    _identify_pdfua(pdf)


def _get(pdf: pydyf.PDF, reference: bytes) -> Any:
    return pdf.objects[int(reference.split()[0])]


def _descendants(pdf: pydyf.PDF, element: Any) -> Iterator[bytes]:
    """References of the structure elements under ``element``; MCIDs (ints) and annotations are skipped."""
    for kid in element.get("K", ()):
        if isinstance(kid, bytes) and _get(pdf, kid).get("Type") == "/StructElem":
            yield kid
            yield from _descendants(pdf, _get(pdf, kid))


def _margins_as_artifacts(pdf: pydyf.PDF, parent_tree: Any, reachable: set[int]) -> None:
    """Turn each marked-content sequence whose element is outside the tree into an artifact.

    The parent tree's ``Nums`` pair each page's StructParents key with the elements of its MCIDs in order;
    annotations' keys (after the pages) map to one element each and are left as they are.
    """
    nums = parent_tree["Nums"]
    pages = [_get(pdf, reference) for reference in pdf.page_references]
    for key, elements in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(elements, pydyf.Array) or key >= len(pages):
            continue
        detached = {
            mcid for mcid, reference in enumerate(elements) if int(reference.split()[0]) not in reachable
        }
        if not detached:
            continue
        for mcid in detached:
            elements[mcid] = "null"  # no element: an artifact has none
        operations = _get(pdf, pages[key]["Contents"]).stream
        # From the end, as the margin boxes are painted last: a page's stream has thousands of operations.
        for index in range(len(operations) - 1, 0, -1):
            operation = operations[index]
            if isinstance(operation, pydyf.Dictionary) and operation.get("MCID") in detached:
                operations[index - 1 : index + 2] = ["/Artifact", b"BMC"]  # was "/Span <</MCID n>> BDC"
                detached.remove(operation["MCID"])
                if not detached:
                    break


def _drop_empty(pdf: pydyf.PDF, element: Any) -> bool:
    """Remove the elements under ``element`` that hold no content; say whether ``element`` is left empty."""
    kept = pydyf.Array()
    for kid in element["K"]:
        is_element = isinstance(kid, bytes) and _get(pdf, kid).get("Type") == "/StructElem"
        if not is_element or not _drop_empty(pdf, _get(pdf, kid)):
            kept.append(kid)
    element["K"] = kept
    return not kept


def _label_and_body(pdf: pydyf.PDF, item: Any) -> None:
    kids = list(item["K"])
    if kids and _get(pdf, kids[0]).get("S") == "/LBody":
        kids[:1] = list(_get(pdf, kids[0])["K"])
    label = kids.pop(0) if kids and _get(pdf, kids[0]).get("S") == "/Lbl" else None
    item["K"] = pydyf.Array([label] if label else [])
    if label:
        _get(pdf, label)["P"] = item.reference
    if kids:
        body = pydyf.Dictionary(
            {
                "Type": "/StructElem",
                "S": "/LBody",
                "K": pydyf.Array(kids),
                "P": item.reference,
                "Pg": item["Pg"],
            }
        )
        pdf.add_object(body)
        for kid in kids:
            _get(pdf, kid)["P"] = body.reference
        item["K"].append(body.reference)


def _identify_pdfua(pdf: pydyf.PDF) -> None:
    metadata = _get(pdf, pdf.catalog["Metadata"])
    (xmp,) = metadata.stream
    metadata.stream[0] = xmp.replace(b"</rdf:RDF>", PDFUA_XMP + b"</rdf:RDF>", 1)
