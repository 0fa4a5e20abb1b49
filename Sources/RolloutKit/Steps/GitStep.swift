/// Fetches and checks out a ref in a working copy: `git: { dir: /opt/app, ref: origin/main }`.
/// With `repo`, a missing `dir` is cloned first. Undo: checkout of the previous commit.
public struct GitStep: Step {
    public static let kind = "git"
    public static let options: [OptionSpec] = [
        OptionSpec("dir", .text, required: true, "The working copy."),
        OptionSpec("ref", .text, required: true, "Branch, tag, commit or remote/branch."),
        OptionSpec("repo", .text, "URL to clone from when dir does not exist."),
        OptionSpec("remote", .text, "Remote to fetch. Default origin."),
    ]
    public static let resultFields = RegisteredResult.commonFields + ["commit", "previous_commit"]

    public var dir: Template
    /// Branch, tag, commit or `remote/branch`.
    public var ref: Template
    /// URL to clone from when `dir` does not exist yet.
    public var repo: Template?
    /// Remote to fetch (default `origin`).
    public var remote: String

    public init?(options: OptionReader, context: StepDecodingContext) {
        let dir = options.template("dir", required: true)
        let ref = options.template("ref", required: true)
        repo = options.template("repo")
        remote = options.string("remote") ?? "origin"
        guard let dir, let ref else { return nil }
        self.dir = dir
        self.ref = ref
    }

    public var mutates: Bool { true }
    public var summary: String { "git \(ref.shortened)" }
    public func undoDescription(render: (Template) -> String) -> String { "checks out the previous commit" }

    /// Once undone the working copy is at the previous commit again.
    public func registeredAfterUndo(_ fields: [String: String]) -> [String: String] {
        guard let previous = fields["previous_commit"], !previous.isEmpty else { return fields }
        var restored = fields
        restored["commit"] = previous
        return restored
    }
}

/// The working copy is checked out detached at the commit `ref` resolves to: the checkout is
/// then exactly that commit whatever local branches say, no local branch is moved or rewritten,
/// and the undo puts back precisely what was there (the branch too, when HEAD was on one).
extension GitStep: RunnableStep {
    /// What a checkout records before it moves HEAD: the working copy and the commit (and
    /// branch) it was on, or `none` when the step cloned it.
    public struct Undo: UndoRecord {
        var dir: String?
        var previousCommit: String?
        var previousBranch: String?

        enum CodingKeys: String, CodingKey {
            case dir
            case previousCommit = "previous_commit"
            case previousBranch = "previous_branch"
        }

        public var preview: UndoPreview {
            let dir = dir ?? "the working copy"
            guard let commit = previousCommit, commit != "none" else {
                return UndoPreview(putsBack: "no \(dir) (the run cloned it)", throwsAway: "the clone in \(dir)")
            }
            let branch = previousBranch.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
            return UndoPreview(putsBack: "commit \(GitStep.short(commit))\(branch) in \(dir)", throwsAway: "the commit checked out there now")
        }
    }

    /// What the step's scripts print before they stop, so that the step can say what happened.
    private static let errorMarker = "rollout-git-error: "
    /// Git must fail rather than wait for a password nobody can type.
    private static let environment = ["GIT_TERMINAL_PROMPT": "0"]

    /// The rendered options; paths and refs are no place for secrets, a repository URL may
    /// hold a token.
    private struct Rendered {
        var dir: String
        var ref: String
        /// The URL as written, for messages (masked like all output).
        var repo: String?
        /// The URL git is given, its credentials apart.
        var repository: GitRepositoryURL?
        var remote: String
        var repoHasSecret: Bool

        /// `git`, able to answer the server of `repo` with its credentials.
        var git: String { repository?.git ?? "git" }
        var environment: [String: String] { GitStep.environment.merging(repository?.environment ?? [:]) { $1 } }
    }

    private func rendered(in context: StepContext) throws(StepError) -> Rendered {
        let dir = try context.render(dir)
        let ref = try context.render(ref)
        let repo = try repo.map { template throws(StepError) in try context.render(template) }
        guard !dir.containsSecrets, !ref.containsSecrets else { throw context.failure("'dir' and 'ref' must not contain a secret") }
        return Rendered(
            dir: dir.text, ref: ref.text, repo: repo?.text, repository: repo.map { GitRepositoryURL($0.text) }, remote: remote,
            repoHasSecret: repo?.containsSecrets == true)
    }

    public func plan(in context: StepContext) async throws -> StepPlan {
        let options = try rendered(in: context)
        let source = options.repository.map { ShellWord.quote($0.url) } ?? ShellWord.quote(options.remote)
        // A pattern matches the end of a ref name; the peeled line of an annotated tag ends in ^{}.
        let name = Self.remoteName(of: options.ref, remote: options.remote)
        let script = """
            rollout_git_dir=\(ShellWord.path(options.dir))
            if [ -e "$rollout_git_dir" ]; then
              cd "$rollout_git_dir" || exit 1
              echo "current=$(git rev-parse --verify -q HEAD || echo unknown)"
              git status --porcelain --untracked-files=no | sed 's/^/changed=/'
              rollout_git_source=\(ShellWord.quote(options.remote))
              rollout_git_local=$(git rev-parse --verify -q \(ShellWord.quote(options.ref + "^{commit}")))
            else
              echo current=none
              [ -n \(ShellWord.quote(options.repository?.url ?? "")) ] || exit 0
              rollout_git_source=\(source)
            fi
            echo "local=$rollout_git_local"
            if rollout_git_out=$(\(options.git) ls-remote "$rollout_git_source" \(ShellWord.quote(name)) \(ShellWord.quote(name + "^{}")) 2>&1); then
              printf '%s\\n' "$rollout_git_out" | sed 's/^/advertised=/'
            else
              echo "unreachable=$(printf '%s' "$rollout_git_out" | tail -n 1)"
            fi
            """
        let result = try await context.run(RemoteCommand(script, environment: options.environment, sensitive: options.repoHasSecret))
        guard result.succeeded else {
            throw context.failure("cannot read \(options.dir): \(CommandFailure.describe(result, masker: context.masker))")
        }
        var values: [String: [String]] = [:]
        for line in result.stdoutText.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        let current = values["current"]?.first ?? "unknown"
        let advertised = values["advertised"] ?? []
        let local = values["local"]?.first.flatMap { $0.isEmpty ? nil : $0 }
        let target = Self.commit(for: options.ref, remote: options.remote, advertised: advertised) ?? local
        if current == "none" {
            guard let repo = options.repo else {
                return StepPlan(["\(options.dir) does not exist and there is no 'repo' to clone: the run would fail"], changes: .none)
            }
            let commit = target.map { " (\(Self.short($0)))" } ?? ""
            return StepPlan(["clone \(context.masker.mask(repo)) into \(options.dir), check out \(options.ref)\(commit)"], changes: .yes)
        }
        if current == "unknown" {
            return StepPlan(["\(options.dir) is not a git working copy: the run would fail"], changes: .none)
        }
        if let changed = values["changed"], !changed.isEmpty {
            return StepPlan(["\(options.dir) has uncommitted changes (\(Self.files(changed))): the run would refuse"], changes: .none)
        }
        guard let target else {
            let reason = values["unreachable"]?.first.map { " (\(context.masker.mask($0)))" } ?? ""
            return StepPlan(
                [
                    "\(options.dir) at \(Self.short(current)); would fetch \(options.remote) and check out \(options.ref)",
                    "cannot tell which commit \(options.ref) is without fetching\(reason)",
                ], changes: .maybe)
        }
        if target == current {
            return StepPlan(["\(options.dir) at \(Self.short(current)) = \(options.ref): no change"], changes: .none)
        }
        return StepPlan(["\(options.dir): \(Self.short(current)) → \(Self.short(target)) (\(options.ref))"], changes: .yes)
    }

    public func run(in context: StepContext) async throws -> StepRun {
        let options = try rendered(in: context)
        let quotedRemote = ShellWord.quote(options.remote)
        let whenMissing =
            if let repository = options.repository {
                """
                  rollout_git_previous=none
                  rollout_undo dir "$rollout_git_dir" && rollout_undo previous_commit none || exit 1
                  \(options.git) clone --quiet --no-checkout --origin \(quotedRemote) \(ShellWord.quote(repository.url)) "$rollout_git_dir" || { echo '\(Self.errorMarker)clone'; exit 1; }
                  cd "$rollout_git_dir" || exit 1
                """
            } else {
                "  echo '\(Self.errorMarker)missing'; exit 1"
            }
        let script = """
            rollout_git_dir=\(ShellWord.path(options.dir))
            if [ -e "$rollout_git_dir" ]; then
              cd "$rollout_git_dir" || exit 1
              rollout_git_previous=$(git rev-parse --verify -q HEAD) || { echo '\(Self.errorMarker)not-a-working-copy'; exit 1; }
              rollout_git_changed=$(git status --porcelain --untracked-files=no) || exit 1
              if [ -n "$rollout_git_changed" ]; then echo '\(Self.errorMarker)dirty'; printf '%s\\n' "$rollout_git_changed"; exit 1; fi
              rollout_git_branch=$(git symbolic-ref -q --short HEAD)
              rollout_undo dir "$rollout_git_dir" && rollout_undo previous_commit "$rollout_git_previous" && rollout_undo previous_branch "$rollout_git_branch" || exit 1
              \(options.git) fetch --quiet --tags --force \(quotedRemote) || { echo '\(Self.errorMarker)fetch'; exit 1; }
            else
            \(whenMissing)
            fi
            echo "previous_commit=$rollout_git_previous"
            echo "previous_branch=$rollout_git_branch"
            rollout_git_commit=$(git rev-parse --verify -q \(ShellWord.quote("refs/remotes/\(options.remote)/\(options.ref)^{commit}")) || git rev-parse --verify -q \(ShellWord.quote(options.ref + "^{commit}"))) || { echo '\(Self.errorMarker)ref'; exit 1; }
            echo "commit=$rollout_git_commit"
            [ "$rollout_git_commit" = "$rollout_git_previous" ] && exit 0
            git -c advice.detachedHead=false checkout --quiet --detach "$rollout_git_commit" || { echo '\(Self.errorMarker)checkout'; exit 1; }
            """
        let result = try await context.runRecorded(RemoteCommand(script, environment: options.environment, sensitive: options.repoHasSecret))
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        func value(_ name: String) -> String? {
            lines.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        let previous = value("previous_commit")
        let undo = previous.map { Undo(dir: options.dir, previousCommit: $0, previousBranch: value("previous_branch") ?? "").fields }
        var fields = StepRun.commandFields(result)
        guard result.succeeded, let commit = value("commit"), let previous else {
            let failure = failure(of: result, lines: lines, options: options, masker: context.masker)
            return StepRun(outcome: .failed, command: result, fields: fields, failure: failure, undo: undo)
        }
        fields["commit"] = commit
        fields["previous_commit"] = previous
        if commit == previous {
            fields["stdout"] = "\(options.dir) already at \(Self.short(commit)) (\(options.ref))"
            return StepRun(outcome: .ok, command: result, fields: fields)
        }
        fields["stdout"] =
            previous == "none"
            ? "cloned into \(options.dir), checked out \(Self.short(commit)) (\(options.ref))"
            : "\(options.dir): \(Self.short(previous)) → \(Self.short(commit)) (\(options.ref))"
        return StepRun(outcome: .changed, command: result, fields: fields, undo: undo)
    }

    private func failure(of result: CommandResult, lines: [String], options: Rendered, masker: SecretMasker) -> String {
        let detail = CommandFailure.describe(result, masker: masker)
        guard let index = lines.firstIndex(where: { $0.hasPrefix(Self.errorMarker) }) else {
            return "git in \(options.dir) \(detail)"
        }
        switch lines[index].dropFirst(Self.errorMarker.count) {
        case "dirty":
            return
                "\(options.dir) has uncommitted changes, nothing was changed: \(Self.files(Array(lines[(index + 1)...]))) — commit, stash or discard them first"
        case "missing": return "\(options.dir) does not exist — add 'repo' to clone it"
        case "not-a-working-copy": return "\(options.dir) exists but is not a git working copy with a commit; nothing was changed"
        case "clone": return "git clone \(options.repo ?? "") into \(options.dir) \(detail)"
        case "fetch": return "git fetch \(options.remote) in \(options.dir) \(detail)"
        case "ref": return "'\(options.ref)' is neither a branch of \(options.remote) nor a tag or commit in \(options.dir)"
        default: return "git checkout in \(options.dir) \(detail)"
        }
    }

    /// Checks out the previous commit (and branch, when HEAD was on one that still points
    /// there), or removes the working copy the step cloned.
    public func undo(_ undo: Undo, in context: StepContext) async throws -> StepRun {
        guard let dir = undo.dir, let previous = undo.previousCommit else {
            throw context.failure("the recorded undo data names no directory or commit")
        }
        let quotedDir = ShellWord.path(dir)
        let script: String
        if previous == "none" {
            script = "rm -rf -- \(quotedDir)"
        } else {
            let branch = undo.previousBranch ?? ""
            script = """
                cd \(quotedDir) || exit 1
                if [ -n \(ShellWord.quote(branch)) ] && [ "$(git rev-parse --verify -q \(ShellWord.quote("refs/heads/" + branch)))" = \(ShellWord.quote(previous)) ]; then
                  git checkout --quiet \(ShellWord.quote(branch))
                else
                  git -c advice.detachedHead=false checkout --quiet --detach \(ShellWord.quote(previous))
                fi
                """
        }
        let result = try await context.run(RemoteCommand(script))
        guard result.succeeded else {
            return StepRun(
                outcome: .failed, command: result,
                failure:
                    "could not put \(dir) back at \(previous == "none" ? "nothing (remove the clone)" : Self.short(previous)): \(CommandFailure.describe(result, masker: context.masker))"
            )
        }
        return StepRun(outcome: .changed, command: result)
    }

    public var recordsUndoFirst: Bool { true }
    /// A second checkout of the same ref leaves the same commit checked out.
    public var safeToRunAgain: Bool { true }

    /// The commit `ref` names among the refs a remote advertises (`git ls-remote` lines), or
    /// nil when it names none of them (a commit id, or a ref the remote does not have).
    static func commit(for ref: String, remote: String, advertised: [String]) -> String? {
        var refs: [String: String] = [:]
        for line in advertised {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { refs[String(parts[1])] = String(parts[0]) }
        }
        let name = remoteName(of: ref, remote: remote)
        let candidates =
            ref.hasPrefix(remote + "/")
            ? ["refs/heads/\(name)"]
            : ["refs/heads/\(name)", "refs/tags/\(name)^{}", "refs/tags/\(name)"]
        return candidates.lazy.compactMap { refs[$0] }.first
    }

    /// `main` for `origin/main` when the remote is `origin`; other refs unchanged.
    static func remoteName(of ref: String, remote: String) -> String {
        ref.hasPrefix(remote + "/") ? String(ref.dropFirst(remote.count + 1)) : ref
    }

    static func short(_ commit: String) -> String {
        commit == "none" ? "nothing" : String(commit.prefix(12))
    }

    /// `git status --porcelain` lines as a list of paths.
    private static func files(_ porcelain: [String]) -> String {
        porcelain.map { $0.count > 3 ? String($0.dropFirst(3)) : $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
    }
}
