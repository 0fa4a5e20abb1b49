public import Foundation

/// Uploads a local directory as a new release, Capistrano-style: `<dir>/releases/<run id>/`, then
/// `<dir>/current` switched to it atomically (a symlink renamed over the old one), then old
/// releases pruned to `keep_releases`. For runbooks that copy `app/` and `migrations/` instead
/// of pulling git. Undo: `current` switched back, the new release removed.
/// `release: { src: build/, dir: /srv/app, keep_releases: 5 }`.
public struct ReleaseStep: Step {
    public static let kind = "release"
    public static let options: [OptionSpec] = [
        OptionSpec("src", .text, required: true, "Local directory to release, relative to the playbook."),
        OptionSpec("dir", .text, required: true, "Remote base directory: releases/<run id>/ and the current symlink go under it."),
        OptionSpec("keep_releases", .number, "Releases kept, the current one and any an undo needs included. Default 5."),
    ]
    public static let resultFields = RegisteredResult.commonFields + ["release", "previous"]

    /// Local directory whose contents become the release, relative to the playbook.
    public var src: Template
    /// Remote directory holding `releases/` and `current`.
    public var dir: Template
    /// Releases kept after the switch (default 5). The one `current` points to and the one an
    /// undo switches back to are always kept, even beyond this.
    public var keepReleases: Int
    /// Directory `src` is relative to: the playbook's.
    public var baseDirectory: URL

    public init?(options: OptionReader, context: StepDecodingContext) {
        let src = options.template("src", required: true)
        let dir = options.template("dir", required: true)
        keepReleases = options.int("keep_releases", in: 1...1000) ?? 5
        baseDirectory = context.directory
        if let src, src.isLiteral {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: context.url(of: src.source).path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                options.error("no such directory to release: '\(context.displayName(of: src.source))'", at: "src")
            }
        }
        guard let src, let dir else { return nil }
        self.src = src
        self.dir = dir
    }

    public var mutates: Bool { true }
    public var summary: String { "release \(src.shortened) to \(dir.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String { "switches current back to the previous release" }

    /// Once undone `current` points at the previous release again.
    public func registeredAfterUndo(_ fields: [String: String]) -> [String: String] {
        // `previous` is what `current` held: `releases/<id>` relative to the base, or `none`.
        guard let previous = fields["previous"], !previous.isEmpty, previous != "none",
            let release = fields["release"], let marker = release.range(of: "/releases/", options: .backwards)
        else { return fields }
        var restored = fields
        restored["release"] = previous.hasPrefix("/") ? previous : release[..<marker.lowerBound] + "/" + previous
        return restored
    }
}

extension ReleaseStep: RunnableStep {
    /// What a release records before it switches `current`: the base directory, where
    /// `current` pointed (`none` when nowhere) and the release it makes.
    public struct Undo: UndoRecord {
        var dir: String?
        var previous: String?
        var release: String?

        public var preview: UndoPreview {
            let base = dir ?? "the release directory"
            let back =
                previous.map { $0 == "none" ? "no \(base)/current (there was none)" : "\(base)/current → \($0)" } ?? "\(base)/current as it was"
            return UndoPreview(putsBack: back, throwsAway: "release \(release ?? "?") (removed)")
        }
    }

    /// Names of releases the step made (run ids): the only entries of `releases/` it prunes.
    static let releaseNamePattern = "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$"
    static let errorMarker = "rollout-release-error:"

    private func archive(in context: StepContext) throws(StepError) -> (archive: TarArchive, source: String) {
        let path = try context.render(src).text
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
        do {
            return (try TarArchive(directory: url), url.path)
        } catch {
            throw context.failure(error.description, hint: "'src' is a local directory, relative to the playbook")
        }
    }

    private func renderedDirectory(in context: StepContext) throws(StepError) -> String {
        let rendered = try context.render(dir)
        guard !rendered.containsSecrets else { throw context.failure("the release directory must not contain a secret") }
        return rendered.text.hasSuffix("/") && rendered.text.count > 1 ? String(rendered.text.dropLast()) : rendered.text
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let base = try renderedDirectory(in: context)
        let (archive, source) = try archive(in: context)
        return StepPlan(
            [
                "\(source): \(archive.fileCount) files, \(archive.fileBytes) bytes → \(base)/releases/\(context.runID)/",
                "switch \(base)/current to it, keep \(keepReleases) releases",
            ], changes: .yes)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let base = try renderedDirectory(in: context)
        let (archive, _) = try archive(in: context)
        let release = context.runID.rawValue
        let script = """
            rollout_base=\(ShellWord.path(base))
            rollout_release=\(release)
            mkdir -p "$rollout_base/releases" && cd "$rollout_base" || exit 1
            if [ -L current ]; then
              rollout_previous=$(readlink current) || exit 1
            elif [ -e current ]; then
              echo '\(Self.errorMarker)not-a-link'; exit 1
            else
              rollout_previous=none
            fi
            # Run again in the same run (retries:) after it switched: what current pointed to before.
            if [ "$rollout_previous" = "releases/$rollout_release" ] && [ -f "releases/.$rollout_release.previous" ]; then
              rollout_previous=$(cat "releases/.$rollout_release.previous") || exit 1
            fi
            rollout_undo dir "$rollout_base" && rollout_undo previous "$rollout_previous" && rollout_undo release "$rollout_release" || exit 1
            printf '%s\n' "$rollout_previous" > "releases/.$rollout_release.previous" || exit 1
            echo "previous=$rollout_previous"
            rm -rf "releases/.$rollout_release.partial" && mkdir "releases/.$rollout_release.partial" || exit 1
            tar -x --no-same-owner -f - -C "releases/.$rollout_release.partial" || { echo '\(Self.errorMarker)extract'; exit 1; }
            if [ -e "releases/$rollout_release" ]; then mv "releases/$rollout_release" "releases/.$rollout_release.old" || exit 1; fi
            mv "releases/.$rollout_release.partial" "releases/$rollout_release" || exit 1
            rm -rf "releases/.$rollout_release.old"
            ln -sfn "releases/$rollout_release" .current.next && mv -fT .current.next current || { echo '\(Self.errorMarker)switch'; exit 1; }
            echo "release=$rollout_base/releases/$rollout_release"
            \(Self.pruneScript(keep: keepReleases))
            """
        let result = try await context.runRecorded(RemoteCommand(script, stdin: archive.bytes))
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        func value(_ name: String) -> String? {
            lines.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        let undo = value("previous").map { Undo(dir: base, previous: $0, release: release).fields }
        var fields = StepRun.commandFields(result)
        guard result.succeeded, let path = value("release") else {
            let failure: String
            if lines.contains(Self.errorMarker + "not-a-link") {
                failure =
                    "\(base)/current exists and is not a symbolic link; nothing was changed — move it aside (it becomes a release) and run again"
            } else if lines.contains(Self.errorMarker + "extract") {
                failure =
                    "could not unpack the release into \(base)/releases/ (is tar installed, is there room?): \(CommandFailure.describe(result, masker: context.masker))"
            } else {
                failure = "could not release into \(base): \(CommandFailure.describe(result, masker: context.masker))"
            }
            return StepRun(outcome: .failed, command: result, fields: fields, failure: failure, undo: undo)
        }
        let pruned = lines.filter { $0.hasPrefix("pruned=") }.map { String($0.dropFirst("pruned=".count)) }
        fields["release"] = path
        fields["previous"] = value("previous") ?? ""
        fields["stdout"] =
            "\(base)/current → releases/\(release) (\(archive.fileCount) files, \(archive.fileBytes) bytes)"
            + (pruned.isEmpty ? "" : "; pruned \(pruned.joined(separator: ", "))")
        return StepRun(outcome: .changed, command: result, fields: fields, undo: undo)
    }

    /// Removes the oldest releases (by name: run ids sort by start time) beyond `keep`, never the
    /// one `current` points to nor the one an undo of this step switches back to.
    static func pruneScript(keep: Int) -> String {
        """
        cd releases || exit 1
        rollout_kept=" $(basename "$(readlink ../current)") $(basename "$rollout_previous") "
        rollout_count=0
        for rollout_name in $(ls -1 | grep -E '\(releaseNamePattern)' | sort -r); do
          case "$rollout_kept" in *" $rollout_name "*) rollout_count=$((rollout_count + 1)); continue;; esac
        done
        for rollout_name in $(ls -1 | grep -E '\(releaseNamePattern)' | sort -r); do
          case "$rollout_kept" in *" $rollout_name "*) continue;; esac
          if [ "$rollout_count" -lt \(keep) ]; then rollout_count=$((rollout_count + 1)); continue; fi
          rm -rf -- "$rollout_name" ".$rollout_name.previous" && echo "pruned=$rollout_name"
        done
        """
    }

    /// Switches `current` back to the release it pointed to before (or removes it when there
    /// was none) and removes the release the step made.
    public func undo(_ undo: Undo, in context: StepContext) async throws -> StepRun {
        guard let base = undo.dir, let previous = undo.previous, let release = undo.release, RunID(release) != nil else {
            throw context.failure("the recorded undo data names no release directory")
        }
        let switchBack =
            previous == "none"
            ? "rm -f current || exit 1"
            : """
            [ -d \(ShellWord.quote(previous)) ] || { echo '\(Self.errorMarker)gone'; exit 1; }
            ln -sfn \(ShellWord.quote(previous)) .current.next && mv -fT .current.next current || exit 1
            """
        let keepRelease = (previous as NSString).lastPathComponent == release
        let script = """
            cd \(ShellWord.path(base)) || exit 1
            \(switchBack)
            rm -rf "releases/.\(release).partial"\(keepRelease ? "" : " \"releases/\(release)\" \"releases/.\(release).previous\"")
            """
        let result = try await context.run(RemoteCommand(script))
        guard result.succeeded else {
            let reason =
                result.stdoutText.contains(Self.errorMarker + "gone")
                ? "the release it pointed to before, \(previous), is gone (pruned by a later run?); current still points to releases/\(release)"
                : CommandFailure.describe(result, masker: context.masker)
            return StepRun(outcome: .failed, command: result, failure: "could not switch \(base)/current back: \(reason)")
        }
        let what = previous == "none" ? "removed \(base)/current (there was none before)" : "\(base)/current → \(previous)"
        return StepRun(outcome: .changed, command: result, fields: ["stdout": what])
    }

    public var recordsUndoFirst: Bool { true }
}
