// The markdown table every benchmark prints: one row per figure, median and range over repetitions.

/// Figures by name, in first-seen order, with their repetitions.
struct FigureTable {
    private var rows: [(name: String, values: [Double], unit: String)] = []

    mutating func add(_ name: String, _ value: Double, _ unit: String) {
        if let index = rows.firstIndex(where: { $0.name == name }) {
            rows[index].values.append(value)
        } else {
            rows.append((name, [value], unit))
        }
    }

    func print() {
        Swift.print("| measurement | median | min – max | unit |")
        Swift.print("|---|---:|---:|---|")
        for row in rows {
            let format = row.unit.hasSuffix("/s") ? "%.0f" : "%.2f"
            Swift.print(
                """
                | \(row.name) | \(String(format: format, median(row.values))) | \
                \(String(format: format, row.values.min()!)) – \(String(format: format, row.values.max()!)) | \(row.unit) |
                """
            )
        }
    }
}
