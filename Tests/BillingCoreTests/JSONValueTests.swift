import BillingCore
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test(
        "parse then serialise keeps key order and bytes",
        arguments: [
            #"{"b":1,"a":[true,false,null],"c":{"z":"x","y":-12},"d":1.5e3,"e":"Ayşe – €","f":[],"g":{}}"#,
            #"{"s":"quote \" backslash \\ newline \n tab \t ctl \u0001"}"#,
        ])
    func roundTrip(text: String) throws {
        #expect(try JSONValue(parsing: text).serializedString() == text)
    }

    @Test("escapes decode: \\u00fc and surrogate pairs become the characters")
    func escapes() throws {
        #expect(try JSONValue(parsing: #""M\u00fc\u015f \ud83d\ude00 \/""#) == .string("Müş 😀 /"))
    }

    @Test("pretty layout is Python's indent=2")
    func pretty() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":[1,{}],"c":{"d":[]}}"#)
        #expect(value.serializedString(.pretty) == "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {}\n  ],\n  \"c\": {\n    \"d\": []\n  }\n}")
    }

    @Test("invalid documents are errors with an offset", arguments: ["", "{", #"{"a" 1}"#, "[1,]", "01", "tru", #""\x""#, "{} x", "\"a\u{01}\""])
    func invalid(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }
}
