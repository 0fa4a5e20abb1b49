import Testing

@testable import RolloutKit

/// How `rollout plan` tells the commit a ref names from what `git ls-remote` advertises, and
/// what git is given of a repository URL with credentials.
struct GitStepTests {
    let advertised = [
        "1111111111111111111111111111111111111111\trefs/heads/main",
        "2222222222222222222222222222222222222222\trefs/tags/v1",
        "3333333333333333333333333333333333333333\trefs/tags/v1^{}",
        "4444444444444444444444444444444444444444\trefs/heads/v1",
    ]

    @Test func branchesComeBeforeTagsAndAnnotatedTagsArePeeled() {
        #expect(GitStep.commit(for: "main", remote: "origin", advertised: advertised) == "1111111111111111111111111111111111111111")
        #expect(GitStep.commit(for: "v1", remote: "origin", advertised: Array(advertised.prefix(3))) == "3333333333333333333333333333333333333333")
        #expect(GitStep.commit(for: "v1", remote: "origin", advertised: advertised) == "4444444444444444444444444444444444444444")
    }

    @Test func aRemoteBranchRefNamesTheRemotesBranch() {
        #expect(GitStep.remoteName(of: "origin/main", remote: "origin") == "main")
        #expect(GitStep.remoteName(of: "upstream/main", remote: "origin") == "upstream/main")
        #expect(GitStep.commit(for: "origin/main", remote: "origin", advertised: advertised) == "1111111111111111111111111111111111111111")
        #expect(GitStep.commit(for: "origin/v1", remote: "origin", advertised: Array(advertised.prefix(3))) == nil)
    }

    @Test func aCommitIdOrUnknownRefIsNotAdvertised() {
        #expect(GitStep.commit(for: "1111111", remote: "origin", advertised: advertised) == nil)
        #expect(GitStep.commit(for: "release", remote: "origin", advertised: advertised) == nil)
    }

    @Test func credentialsInAnHTTPURLAreTakenOutForTheHelper() {
        let url = GitRepositoryURL("https://deploy:t%40k%2Fn@x@git.example.com:8443/app.git?x=1")
        #expect(url.url == "https://git.example.com:8443/app.git?x=1")
        #expect(url.environment == ["ROLLOUT_GIT_USER": "deploy", "ROLLOUT_GIT_PASSWORD": "t@k/n@x"])
        #expect(!url.git.contains("t@k"))
        #expect(url.git.contains("credential.https://git.example.com:8443.helper="))
        #expect(GitRepositoryURL("https://TOKEN@github.com/me/app.git").environment == ["ROLLOUT_GIT_USER": "TOKEN"])
    }

    @Test func otherURLsAreGivenToGitAsTheyAre() {
        for text in ["git@github.com:me/app.git", "ssh://git@host/app.git", "file:///srv/app.git", "https://github.com/me/app.git"] {
            let url = GitRepositoryURL(text)
            #expect(url.url == text)
            #expect(url.environment.isEmpty)
            #expect(url.git == "git")
        }
    }
}
