// The overview's audience part: contacts by status over 90 days plus now, and counts by status and segment now.
import EbbflowCharts
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// Why `ads` and `suppressed` are bands of their own: a contact moved to the ads channel has
/// left email but not the audience, a suppressed one has left both; stacked into `inactive`
/// (as the first simulator chart did) they hid the two outcomes a marketer most wants to see.
enum OverviewAudience {
    static let days = 90
    /// Bottom to top: the audience email reaches first, then those it no longer reaches.
    static let bands = ["active", "reactivated", "engaged", "inactive", "ads", "suppressed"]

    static func load(
        _ schema: SchemaName, _ cache: TimedCache<AudienceNowResult>, _ known: AudienceNowResult?, now: Date,
        on connection: isolated PGConnection
    ) throws -> [String: any Sendable] {
        let history = try AudienceHistory(schema: schema).historyByChannel(days: days, on: connection)
        let current: AudienceNowResult
        if let known {
            current = known
        } else {
            current = try AudienceNow(schema: schema).read(on: connection)
            cache.store(current)
        }

        var byDay: [Date: [String: Double]] = [:]
        for row in history {
            byDay[row.day, default: [:]][band(row.status, row.channel), default: 0] += Double(row.contacts)
        }
        var today: [String: Double] = [:]
        var totals: [CampaignStatus: Int] = [:]
        for cell in current.bySegment { totals[cell.status, default: 0] += cell.contacts }
        for (status, count) in totals { today[band(status, "email"), default: 0] += Double(count) }
        for count in current.byChannel where count.status != .suppressed && count.channel != "email" {
            today[band(count.status, "email"), default: 0] -= Double(count.contacts)
            today["ads", default: 0] += Double(count.contacts)
        }
        let days = byDay.keys.sorted()
        let instants = days + [now]
        let series = bands.map { name in
            Series(
                id: name, name: name, colour: Palette.status(name) ?? Palette.colour(at: 0),
                values: days.map { byDay[$0]?[name] ?? 0 } + [today[name] ?? 0])
        }
        let chart = Chart.stackedArea(
            ChartSpec(
                id: "audience", title: "The audience by status, last \(Self.days) days and now",
                summary: "Daily snapshots taken at 00:05 UTC, then the audience now.",
                x: TimeAxis(instants: instants, unit: .day), yLabel: "contacts", series: series))

        let total = totals.values.reduce(0, +)
        let statuses: [[String: any Sendable]] = CampaignStatus.allCases.map { status in
            let value = totals[status] ?? 0
            return [
                "status": status.rawValue, "contacts": ViewFormat.count(value),
                "share": ViewFormat.percent(total == 0 ? 0 : Double(value) / Double(total)),
            ]
        }
        var segments: [String: [CampaignStatus: Int]] = [:]
        var order: [String] = []
        for cell in current.bySegment {
            let name = cell.segment ?? "other (\(ViewFormat.count(current.otherSegments)) segments)"
            if segments[name] == nil { order.append(name) }
            segments[name, default: [:]][cell.status, default: 0] += cell.contacts
        }
        let segmentRows: [[String: any Sendable]] = order.map { name in
            let counts = segments[name] ?? [:]
            return [
                "segment": name, "total": ViewFormat.count(counts.values.reduce(0, +)),
                "cells": CampaignStatus.allCases.map {
                    ["count": ViewFormat.count(counts[$0] ?? 0)] as [String: any Sendable]
                },
            ]
        }
        return [
            "chart": ChartView.context(chart), "statuses": statuses, "total": ViewFormat.count(total),
            "segments": segmentRows,
            "statusNames": CampaignStatus.allCases.map { ["name": $0.rawValue] as [String: any Sendable] },
            "asOf": ViewFormat.time(now),
        ]
    }

    /// The chart's band of a status on a channel.
    static func band(_ status: CampaignStatus, _ channel: String) -> String {
        if status == .suppressed { return "suppressed" }
        return channel == "email" ? status.rawValue : "ads"
    }
}
