import RolloutKit
import Testing

struct SecretMaskerTests {
    let secrets = ["s3cr3t-key", "p@ss w/rd\"x", "ab", "kör"]

    @Test func masksEverySecretAndItsCommonEncodings() {
        let masker = SecretMasker(secrets: secrets)
        #expect(masker.mask("key=s3cr3t-key;") == "key=***;")
        #expect(masker.mask("url?pw=p%40ss%20w%2Frd%22x&") == "url?pw=***&")
        #expect(masker.mask("form pw=p%40ss+w%2frd%22x") == "form pw=***")
        #expect(masker.mask(#"{"pw":"p@ss w/rd\"x"}"#) == #"{"pw":"***"}"#)
        #expect(masker.mask(#"{"pw":"p@ss w\/rd\"x"}"#) == #"{"pw":"***"}"#)
        #expect(masker.mask(#"{"name":"k\u00f6r"}"#) == #"{"name":"***"}"#)
        #expect(masker.mask("short ab secret") == "short *** secret")
        #expect(masker.mask("nothing here") == "nothing here")
    }

    /// A provider's HTML error page echoing a secret, and a secret sent base64-encoded
    /// (a Basic authorization header of a token, a Kubernetes secret manifest).
    @Test func masksTheHTMLEscapedAndBase64Forms() {
        let masker = SecretMasker(secrets: secrets + ["it's<&>key"])
        #expect(masker.mask("<p>Invalid key p@ss w/rd&quot;x</p>") == "<p>Invalid key ***</p>")
        #expect(masker.mask("<p>Invalid key p@ss w/rd&#34;x</p>") == "<p>Invalid key ***</p>")
        #expect(masker.mask("value='it&#x27;s&lt;&amp;&gt;key'") == "value='***'")
        #expect(masker.mask("value='it&#39;s&lt;&amp;&gt;key'") == "value='***'")
        #expect(masker.mask("value=\"it's&lt;&amp;&gt;key\"") == "value=\"***\"")
        #expect(masker.mask("Authorization: Basic czNjcjN0LWtleQ==") == "Authorization: Basic ***")
        #expect(masker.mask("data: czNjcjN0LWtleQ\n") == "data: ***\n")
        #expect(masker.mask("apiKey: a8O2cg==") == "apiKey: ***")
    }

    @Test func overlappingSecretsBecomeOneMask() {
        let masker = SecretMasker(secrets: ["abcd", "cdef"])
        #expect(masker.mask("xabcdefx") == "x***x")
        #expect(masker.mask("abcdabcd") == "***")
    }

    @Test func streamingMasksSecretsSplitAtEveryPoint() {
        let masker = SecretMasker(secrets: secrets)
        let text = Array("start s3cr3t-key mid p%40ss%20w%2Frd%22x ab and kör s3cr3t-keys3cr3t-key end".utf8)
        let whole = masker.mask(text)
        #expect(!String(decoding: whole, as: UTF8.self).contains("s3cr3t"))
        for split in 0...text.count {
            var stream = masker.makeStream()
            let out = stream.feed(Array(text[..<split])) + stream.feed(Array(text[split...])) + stream.finish()
            #expect(out == whole, "split at \(split)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var stream = masker.makeStream()
            var out: [UInt8] = []
            var rest = text[...]
            while !rest.isEmpty {
                let size = Int.random(in: 1...4, using: &generator)
                out += stream.feed(Array(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            out += stream.finish()
            #expect(out == whole)
        }
    }

    /// The longest form of a 10-character secret is its base64, 16 characters: 15 bytes are
    /// held back.
    @Test func streamingByteByByteHoldsBackOnlyWhatCouldStillBeASecret() {
        let masker = SecretMasker(secrets: ["0123456789"])
        var stream = masker.makeStream()
        #expect(masker.maxPatternLength == 16, "its base64 form is the longest")
        #expect(stream.feed(Array("hello world 012345".utf8)) == Array("hello world ".utf8))
        #expect(stream.feed(Array("6789!".utf8)) == Array("***!".utf8))
        #expect(stream.feed(Array(" 01 x".utf8)) == Array(" 01 x".utf8))
        #expect(stream.finish().isEmpty)
    }

    @Test func withoutSecretsNothingIsHeldBack() {
        var stream = SecretMasker.none.makeStream()
        #expect(stream.feed([1, 2, 3]) == [1, 2, 3])
        #expect(stream.finish().isEmpty)
    }

    @Test func aValueLearnedDuringTheRunIsMaskedWithTheOthersInEveryForm() {
        let masker = SecretMasker(secrets: ["declared-key"]).adding(secrets: ["captured token/1"])
        #expect(masker.mask("declared-key and captured token/1") == "*** and ***")
        #expect(masker.mask("q=captured%20token%2F1") == "q=***")
        #expect(masker.adding(secrets: ["declared-key"]).mask("declared-key") == "***")
    }
}
