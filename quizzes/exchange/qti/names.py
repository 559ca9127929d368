"""QTI 2.1 and IMS content packaging: namespaces, schema locations and the names our items use."""

from lxml import etree

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_SCHEMA = f"{NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_SCHEMA = (
    f"{CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd {LOM} http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd"
)
ITEM_RESOURCE = "imsqti_item_xmlv2p1"
EXPLANATION = "EXPLANATION"
REPORT_NAME = "export-report.txt"


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""
