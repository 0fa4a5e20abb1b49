public import Foundation

/// What one step kind saves on the host before it changes anything, so that its undo can put
/// things back: a `Codable` type declared in the kind's own file (`MigrateStep.Undo`).
///
/// The run journal keeps a record as flat text pairs (`{"event":"undo","key":…,"value":…}`
/// lines, which the host's shell writes one `rollout_undo KEY VALUE` at a time, before the
/// change), so a record's properties are text or optional text, under the wire names its
/// `CodingKeys` give. Records written by older versions must keep decoding: add properties as
/// optionals, never rename a key.
public protocol UndoRecord: Codable, Sendable, Hashable {
    /// The files on the host the undo restores from (a backup copy, a dump): `rollout rollback`
    /// checks they all exist before it changes anything, and `keep:` never prunes one a run
    /// that can still be undone names. Default none.
    var sources: [String] { get }
    /// What undoing puts back and what it throws away, for `rollout rollback`'s preview.
    var preview: UndoPreview { get }
}

extension UndoRecord {
    public var sources: [String] { [] }

    /// The record read back from the journal's text pairs.
    public init(fields: [String: String]) throws(UndoRecordError) {
        do {
            self = try JSONDecoder().decode(Self.self, from: JSONEncoder().encode(fields))
        } catch {
            throw UndoRecordError(fields: fields.keys.sorted())
        }
    }

    /// The record as the journal's text pairs (nil properties left out).
    public var fields: [String: String] {
        // A record is text by construction, so this cannot fail.
        (try? JSONDecoder().decode([String: String].self, from: JSONEncoder().encode(self))) ?? [:]
    }
}

/// A run record whose undo data does not read as its step kind's record.
public struct UndoRecordError: Error, CustomStringConvertible, Sendable {
    /// The keys the record held.
    public var fields: [String]
    public var description: String {
        "the run record's undo data for this step (\(fields.joined(separator: ", "))) is not what this kind of step records"
    }
}

/// The undo record of a kind that records none.
public struct NoUndo: UndoRecord {
    public init() {}
    public var preview: UndoPreview { UndoPreview(putsBack: "nothing (this step records no undo)") }
}

/// What undoing one recorded step does, in words for the rollback's preview.
public struct UndoPreview: Sendable, Hashable {
    /// What it puts back: "the database app from the dump of 2026-11-27 17:34 UTC (5.6 KB)".
    public var putsBack: String
    /// What is there now and goes: "every write to app since that dump". Nil when nothing.
    public var throwsAway: String?

    public init(putsBack: String, throwsAway: String? = nil) {
        self.putsBack = putsBack
        self.throwsAway = throwsAway
    }
}
