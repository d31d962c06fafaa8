"""Reading a PDF back as its reader would: each page rendered to an image (pypdfium2) and its
QR codes decoded (zxing-cpp), and each page's text."""

import pypdfium2
import zxingcpp


def read_pages(pdf: bytes) -> list[dict]:
    """[{"text": ..., "qr": [decoded codes]}] per page."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            image = page.render(scale=2).to_pil()
            pages.append(
                {
                    "text": text_page.get_text_range(),
                    "qr": [
                        result.text
                        for result in zxingcpp.read_barcodes(image)
                        if result.format == zxingcpp.BarcodeFormat.QRCode
                    ],
                }
            )
            text_page.close()
            page.close()
        return pages
    finally:
        document.close()
