import RolloutKit
import Testing

@Suite struct PlaybookTemplateTests {
    private func text(_ value: String) throws -> TemplateValue { .text(try Template(parsing: value)) }

    @Test func shellVariablesPassThroughUntouched() throws {
        let template = try Template(parsing: "echo ${HOME} $PATH \"$1\" {{ app_dir }}")
        let rendered = try template.render(in: Scope(vars: ["app_dir": try text("/opt/app")]))
        #expect(rendered.text == "echo ${HOME} $PATH \"$1\" /opt/app")
        #expect(!rendered.containsSecrets)
    }

    @Test func escapedBracesAreLiteral() throws {
        let template = try Template(parsing: #"docker inspect --format '\{{.State.Status}}'"#)
        #expect(template.isLiteral)
        #expect(try template.render(in: Scope()).text == "docker inspect --format '{{.State.Status}}'")
    }

    @Test func dottedPathsReadNestedVariables() throws {
        let scope = Scope(vars: ["db": .map([TemplateEntry(key: "name", value: try text("billing"))])])
        #expect(try Template(parsing: "{{db.name}}-{{ db.name }}").render(in: scope).text == "billing-billing")
    }

    @Test func builtInScopesResolve() throws {
        let host = Host(name: "app1", address: "203.0.113.10", port: 2222, user: "deploy", location: FileLocation(file: "i.yml", line: 1, column: 1))
        let scope = Scope(environment: ["HOME": "/home/me"], runID: "20261123-1", host: host)
        let rendered = try Template(parsing: "{{ env.HOME }} {{ run.id }} {{ host.name }} {{ host.address }}:{{ host.port }} {{ host.user }}").render(
            in: scope)
        #expect(rendered.text == "/home/me 20261123-1 app1 203.0.113.10:2222 deploy")
    }

    @Test func registeredResultsFillAtRunTimeAndAreDeferredBefore() throws {
        let template = try Template(parsing: "rev={{ code.commit }}")
        let before = Scope(upcomingRegistrations: ["code": ["stdout", "commit"]])
        #expect(throws: TemplateError.self) { try template.render(in: before) }
        var preview = before
        preview.preview = true
        #expect(try template.render(in: preview).text == "rev=<code.commit>")
        let during = Scope(registered: ["code": RegisteredResult(fields: ["commit": "abc123"])])
        #expect(try template.render(in: during).text == "rev=abc123")
    }

    @Test func undefinedVariableErrorSuggestsAName() throws {
        let template = try Template(parsing: "{{ base_ulr }}")
        do {
            _ = try template.render(in: Scope(vars: ["base_url": try text("x")]))
            Issue.record("expected an error")
        } catch let error as TemplateError {
            #expect(error.kind == .undefined)
            #expect(error.suggestion == "base_url")
        }
    }

    @Test func variableLoopsAreReportedNotFollowedForever() throws {
        let scope = Scope(vars: ["a": try text("{{ b }}"), "b": try text("{{ a }}")])
        do {
            _ = try Template(parsing: "{{ a }}").render(in: scope)
            Issue.record("expected an error")
        } catch let error as TemplateError {
            #expect(error.kind == .cycle)
        }
    }

    @Test func malformedReferencesAreSyntaxErrors() {
        #expect(throws: TemplateSyntaxError.self) { try Template(parsing: "{{ app_dir") }
        #expect(throws: TemplateSyntaxError.self) { try Template(parsing: "{{ a | upper }}") }
        #expect(throws: TemplateSyntaxError.self) { try Template(parsing: "{{ }}") }
    }

    @Test func durationsParseAndFormat() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("5m") == .seconds(300))
        #expect(DurationText.parse("1h") == .seconds(3600))
        #expect(DurationText.parse("1m30s") == .seconds(90))
        #expect(DurationText.parse("30") == nil)
        #expect(DurationText.parse("abc") == nil)
        #expect(DurationText.parse("5 m") == nil)
        #expect(DurationText.format(.seconds(90)) == "1m30s")
        #expect(DurationText.format(.milliseconds(250)) == "250ms")
    }

    @Test func precedenceIsPlaybookThenEnvironmentThenGroupsThenHostThenCommandLine() throws {
        let location = FileLocation(file: "i.yml", line: 1, column: 1)
        func entry(_ key: String, _ value: String) -> TemplateEntry { TemplateEntry(key: key, value: .text(Template(literal: value))) }
        let host = Host(name: "app1", address: "x", groups: ["app", "eu"], vars: [entry("h", "host")], location: location)
        let environment = Inventory.Environment(
            name: "production",
            vars: [entry("e", "environment"), entry("g", "environment"), entry("h", "environment")],
            groups: [
                "app": Inventory.Group(name: "app", vars: [entry("g", "app"), entry("h", "app")], location: location),
                "eu": Inventory.Group(name: "eu", vars: [entry("g", "eu")], location: location),
            ],
            hosts: [host], location: location)
        let playbook = [entry("p", "playbook"), entry("e", "playbook"), entry("c", "playbook")]
        let vars = VariablePrecedence.merged(playbook: playbook, environment: environment, host: host, overrides: ["c": "cli"])
        let scope = Scope(vars: vars)
        let rendered = try Template(parsing: "{{ p }} {{ e }} {{ g }} {{ h }} {{ c }}").render(in: scope).text
        #expect(rendered == "playbook environment eu host cli")
    }

    @Test func conditionsCompareAndTestTruth() throws {
        func when(_ text: String, _ scope: Scope) throws -> Bool {
            let fixture = try PlaybookFixture([
                "deploy.yml": "name: d\ninventory: inventory.yml\nsteps:\n  - shell: make\n    when: \"\(text)\"\n",
                "inventory.yml": PlaybookFixture.inventory,
            ])
            let condition = try #require(fixture.load(lenient: true).loaded?.playbook.steps.first?.when)
            return try condition.evaluate(in: scope)
        }
        let scope = Scope(vars: ["stage": try text("production"), "flag": try text("false"), "on": try text("yes")])
        #expect(try when("{{ stage }} == production", scope))
        #expect(try when("{{ stage }} == 'production'", scope))
        #expect(try !when("{{ stage }} != production", scope))
        #expect(try !when("{{ flag }}", scope))
        #expect(try when("{{ on }}", scope))
    }
}
