//! `report.docx` for co-authors who edit in Word (issue 19): the same walk of the
//! [`ReportView`] as Markdown and HTML ([`Markup`]), written as WordprocessingML by hand —
//! headings as Word's `Title`/`Heading1` styles, tables as Word tables (`TableGrid`), figures
//! as inline PNGs — and zipped with the `zip` crate that calamine already brings (no new
//! dependency tree). Deterministic: fixed zip timestamps, parts in a fixed order.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;

use crate::plot::PlotRef;
use crate::report::ReportError;
use crate::report::markup::{ListKind, Markup};
use crate::report::view::{ReportView, Table};

/// Usable page width of A4 with 2 cm margins, in EMU (1 inch = 914,400 EMU).
const MAX_WIDTH_EMU: u64 = 6_120_000;
/// EMU per pixel at 96 dpi.
const EMU_PER_PX: u64 = 9_525;
/// Usable page width in twentieths of a point (table grid).
const PAGE_TWIPS: usize = 9_638;

/// The Word builder: PNG bytes of the figures by their SVG file name, and the images used.
pub struct Docx<'a> {
    pngs: &'a BTreeMap<String, Vec<u8>>,
    media: RefCell<Vec<(String, &'a [u8])>>,
}

/// XML text: escaped, and without the control characters XML 1.0 forbids.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn run(text: &str, bold: bool) -> String {
    let rpr = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    format!(
        "<w:r>{rpr}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        xml(text)
    )
}

fn para(style: Option<&str>, runs: &str) -> String {
    let ppr = style.map_or(String::new(), |s| {
        format!("<w:pPr><w:pStyle w:val=\"{s}\"/></w:pPr>")
    });
    format!("<w:p>{ppr}{runs}</w:p>")
}

/// A cell's text with the Markdown bold markers of the view turned into a bold run.
fn cell_runs(c: &str) -> String {
    if let Some(rest) = c.strip_prefix("**")
        && let Some((bold, tail)) = rest.split_once("**")
    {
        return format!("{}{}", run(bold, true), run(tail, false));
    }
    run(c, false)
}

/// Width and height of a PNG from its IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u64, u64)> {
    let be = |b: &[u8]| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    (png.len() >= 24 && png.starts_with(b"\x89PNG")).then(|| (be(&png[16..20]), be(&png[20..24])))
}

impl Markup for Docx<'_> {
    fn title(&self, out: &mut String, title: &str, lines: &[String]) {
        out.push_str(&para(Some("Title"), &run(title, false)));
        for l in lines {
            out.push_str(&para(None, &run(l, false)));
        }
    }

    fn section(&self, out: &mut String, heading: &str) {
        out.push_str(&para(Some("Heading1"), &run(heading, false)));
    }

    fn list(&self, out: &mut String, _kind: ListKind, items: &[String]) {
        for i in items {
            out.push_str(&para(Some("ListBullet"), &run(&format!("• {i}"), false)));
        }
    }

    fn paragraph(&self, out: &mut String, text: &str, muted: bool) {
        let style = if muted { Some("Muted") } else { None };
        out.push_str(&para(style, &run(text, false)));
    }

    fn table(&self, out: &mut String, t: &Table, _titled: bool) {
        out.push_str(&para(Some("Caption"), &run(&t.title, true)));
        let cols = t.headers.len().max(1);
        let w = PAGE_TWIPS / cols;
        out.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid>");
        for _ in 0..cols {
            out.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
        }
        out.push_str("</w:tblGrid>");
        let row = |cells: &[String], header: bool| {
            let mut r = String::from("<w:tr>");
            if header {
                r.push_str("<w:trPr><w:tblHeader/></w:trPr>");
            }
            for c in cells {
                let runs = if header { run(c, true) } else { cell_runs(c) };
                r.push_str(&format!(
                    "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/></w:tcPr>{}</w:tc>",
                    para(Some("TableText"), &runs)
                ));
            }
            r.push_str("</w:tr>");
            r
        };
        out.push_str(&row(&t.headers, true));
        for r in &t.rows {
            out.push_str(&row(r, false));
        }
        out.push_str("</w:tbl>");
    }

    fn figure(&self, out: &mut String, p: &PlotRef) {
        let Some(png) = self.pngs.get(&p.file) else {
            out.push_str(&para(
                Some("Muted"),
                &run(&format!("Figure: {} ({})", p.title, p.file), false),
            ));
            return;
        };
        let Some((w, h)) = png_size(png) else {
            return;
        };
        let mut media = self.media.borrow_mut();
        let n = media.len() + 1;
        media.push((format!("media/image{n}.png"), png.as_slice()));
        let mut cx = w * EMU_PER_PX;
        let mut cy = h * EMU_PER_PX;
        if cx > MAX_WIDTH_EMU {
            cy = cy * MAX_WIDTH_EMU / cx;
            cx = MAX_WIDTH_EMU;
        }
        out.push_str(&format!(
            "<w:p><w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:docPr id=\"{n}\" name=\"Figure {n}\" descr=\"{}\"/><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic><pic:nvPicPr><pic:cNvPr id=\"{n}\" name=\"image{n}.png\"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed=\"rIdImg{n}\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>",
            xml(&p.title)
        ));
        out.push_str(&para(Some("Caption"), &run(&p.title, false)));
    }

    fn footer(&self, out: &mut String) {
        out.push_str(&para(
            Some("Muted"),
            &run(
                "All numbers at full precision are in records.json (schema: spec §2). p-values are two-sided.",
                false,
            ),
        ));
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/><w:sz w:val="21"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="100"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="200"/></w:pPr><w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="300" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="1F4E79"/><w:sz w:val="28"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="160" w:after="60"/></w:pPr><w:rPr><w:sz w:val="19"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Muted"><w:name w:val="Muted"/><w:basedOn w:val="Normal"/><w:rPr><w:i/><w:color w:val="595959"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="360"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0"/></w:pPr><w:rPr><w:sz w:val="17"/></w:rPr></w:style><w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:left w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:right w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/></w:tblBorders><w:tblCellMar><w:left w:w="60" w:type="dxa"/><w:right w:w="60" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#;

const DOC_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>"#;

const DOC_TAIL: &str = r#"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#;

/// The document's relationships: styles, then one image per figure used.
fn document_rels(media: &[(String, &[u8])]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    );
    for (k, (name, _)) in media.iter().enumerate() {
        s.push_str(&format!(
            r#"<Relationship Id="rIdImg{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{name}"/>"#,
            k + 1
        ));
    }
    s.push_str("</Relationships>");
    s
}

/// The whole `report.docx`: the view walked once, zipped with fixed timestamps.
///
/// # Errors
/// `ReportError::Serialize` when the zip cannot be written (not expected in memory).
pub fn render(view: &ReportView, pngs: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    let d = Docx {
        pngs,
        media: RefCell::new(Vec::new()),
    };
    let body = Markup::render(&d, view);
    let document = format!("{DOC_HEAD}{body}{DOC_TAIL}");
    let media = d.media.into_inner();
    let zip_err = |e: &dyn std::fmt::Display| ReportError::Serialize {
        what: "report.docx",
        message: e.to_string(),
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut parts: Vec<(String, &[u8])> = vec![
        ("[Content_Types].xml".into(), CONTENT_TYPES.as_bytes()),
        ("_rels/.rels".into(), ROOT_RELS.as_bytes()),
        ("word/document.xml".into(), document.as_bytes()),
        ("word/styles.xml".into(), STYLES.as_bytes()),
    ];
    let rels = document_rels(&media);
    parts.push(("word/_rels/document.xml.rels".into(), rels.as_bytes()));
    for (name, bytes) in &media {
        parts.push((format!("word/{name}"), bytes));
    }
    for (name, bytes) in parts {
        zip.start_file(name, opts).map_err(|e| zip_err(&e))?;
        zip.write_all(bytes).map_err(|e| zip_err(&e))?;
    }
    Ok(zip.finish().map_err(|e| zip_err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(
            cell_runs("**primary** x"),
            format!("{}{}", run("primary", true), run(" x", false))
        );
    }

    #[test]
    fn png_size_reads_the_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((640, 480)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
