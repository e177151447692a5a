// A drawn chart: its inline SVG, the table of the same numbers, and a standalone file form.

/// The numbers behind a chart as text cells, for a `<table>` under it (screen readers,
/// keyboards, copying) and for tests. Cells are formatted; the dashboard escapes them.
public struct DataTable: Sendable, Equatable {
    public var caption: String
    public var header: [String]
    public var rows: [[String]]

    public init(caption: String, header: [String], rows: [[String]]) {
        self.caption = caption
        self.header = header
        self.rows = rows
    }
}

/// A chart as its renderer made it. The same input always gives the same bytes.
public struct RenderedChart: Sendable, Equatable {
    /// `<svg …>…</svg>` to place inline in HTML: no XML prolog, no fixed width (a viewBox, so
    /// it scales to its container), presentation attributes only (no `style`: the dashboard's
    /// Content-Security-Policy forbids inline styles).
    public let svg: String
    public let table: DataTable
    let size: Size
    /// The `<svg` tag's attributes, its `<title>` and `<desc>`, and the drawing, kept apart
    /// for `standaloneDocument()`.
    let attributes: String, head: String, drawing: String

    init(attributes: String, head: String, drawing: String, table: DataTable, size: Size) {
        self.attributes = attributes
        self.head = head
        self.drawing = drawing
        self.table = table
        self.size = size
        svg = "<svg \(attributes)>\n\(head)\(drawing)</svg>\n"
    }

    /// The chart as a file of its own (`audience.svg`): the XML prolog, a fixed width and
    /// height, and a white background, so it reads the same in any viewer.
    public func standaloneDocument() -> String {
        let width = SVGText.number(size.width), height = SVGText.number(size.height)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg width="\(width)" height="\(height)" \(attributes)>
            \(head)<rect width="\(width)" height="\(height)" fill="#FFFFFF"/>
            \(drawing)</svg>

            """
    }
}
