/// The console's Mustache templates. Kept in the binary (not resource files), so that the one executable of a wheel
/// serves them. `{{x}}` is HTML-escaped: names and settings come from requests.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "home": home, "scope": scope, "domain": domain, "faults": faults, "requests": requests,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{title}} · sagemaker-emulator</title>
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <style>
        body { font-family: system-ui, sans-serif; margin: 0; color: #1b1f24; }
        header { background: #232f3e; color: #fff; padding: 0.6em 1.2em; }
        header a { color: #fff; margin-right: 1.2em; text-decoration: none; }
        main { padding: 1em 1.2em; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; }
        pre { background: #f6f8fa; padding: 0.8em; overflow: auto; max-height: 30em; }
        .status { font-weight: 600; }
        .removed { color: #a40e26; } .added { color: #116329; }
        .muted { color: #57606a; }
        </style>
        </head>
        <body>
        <header><strong>sagemaker-emulator</strong> &nbsp;
        <a href="/_emulator/console">Accounts</a><a href="/_emulator/console/faults">Fault rules</a><a href="/_emulator/console/requests">Requests</a>
        <span class="muted">{{version}}</span></header>
        <main>
        <h1>{{title}}</h1>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let home = """
        {{^scopes}}<p>No resources yet. Create a domain with any AWS client pointed at this server.</p>{{/scopes}}
        {{#hasScopes}}
        <table id="scopes">
        <tr><th>Account</th><th>Region</th><th>Resources</th></tr>
        {{#scopes}}<tr><td><a href="{{link}}">{{account}}</a></td><td>{{region}}</td><td>{{count}}</td></tr>
        {{/scopes}}
        </table>
        {{/hasScopes}}
        {{#upstream}}
        <h2>Upstream</h2>
        <p id="upstream">Every other AWS request goes to {{engine}} at {{url}}: <span class="status">{{status}}</span>.</p>
        <table id="forwarded">
        <tr><th>Service</th><th>Forwarded requests in the journal</th><th>Errors</th></tr>
        {{#services}}<tr><td>{{service}}</td><td>{{requests}}</td><td>{{errors}}</td></tr>
        {{/services}}
        </table>
        {{/upstream}}
        """

    static let scope = """
        <h2>Domains</h2>
        {{^domains}}<p>No domains.</p>{{/domains}}
        {{#hasDomains}}
        <table id="domains">
        <tr><th>Name</th><th>Id</th><th>Status</th><th>Created</th></tr>
        {{#domains}}<tr><td><a href="{{link}}">{{name}}</a></td><td>{{id}}</td><td class="status">{{status}}</td><td>{{created}}</td></tr>
        {{/domains}}
        </table>
        {{/hasDomains}}
        """

    static let domain = """
        <p>Status: <span class="status" id="status">{{status}}</span>{{#failureReason}} · <span id="failure">{{failureReason}}</span>{{/failureReason}}</p>
        <p class="muted">{{arn}}</p>
        <h2>User profiles</h2>
        {{^profiles}}<p>None.</p>{{/profiles}}
        {{#hasProfiles}}<table id="profiles"><tr><th>Name</th><th>Status</th></tr>
        {{#profiles}}<tr><td>{{name}}</td><td class="status">{{status}}</td></tr>{{/profiles}}
        </table>{{/hasProfiles}}
        <h2>Spaces</h2>
        {{^spaces}}<p>None.</p>{{/spaces}}
        {{#hasSpaces}}<table id="spaces"><tr><th>Name</th><th>Status</th></tr>
        {{#spaces}}<tr><td>{{name}}</td><td class="status">{{status}}</td></tr>{{/spaces}}
        </table>{{/hasSpaces}}
        <h2>Apps</h2>
        {{^apps}}<p>None.</p>{{/apps}}
        {{#hasApps}}<table id="apps"><tr><th>Owner</th><th>Type</th><th>Name</th><th>Status</th></tr>
        {{#apps}}<tr><td>{{owner}}</td><td>{{type}}</td><td>{{name}}</td><td class="status">{{status}}</td></tr>{{/apps}}
        </table>{{/hasApps}}
        <h2>Update history</h2>
        <table id="history">
        <tr><th>Time</th><th>Event</th><th>Status</th><th>By</th><th>What changed</th></tr>
        {{#history}}<tr><td>{{time}}</td><td>{{event}}</td><td>{{statusBefore}} → {{statusAfter}}</td><td>{{accessKeyId}}<br><span class="muted">{{requestId}}</span></td>
        <td>{{#changes}}<div><code>{{path}}</code>: <span class="removed">{{before}}</span> → <span class="added">{{after}}</span></div>{{/changes}}</td></tr>
        {{/history}}
        </table>
        <h2>Settings</h2>
        <pre id="settings">{{settings}}</pre>
        """

    static let faults = """
        {{^rules}}<p>No fault rules. Add one with <code>POST /_emulator/faults</code> or
        <code>sagemaker-emulator control faults add</code>.</p>{{/rules}}
        {{#hasRules}}
        <table id="faults">
        <tr><th>Id</th><th>Operation</th><th>Account</th><th>Resource</th><th>Effect</th><th>Probability</th><th>Count</th><th>Hits</th></tr>
        {{#rules}}<tr><td>{{id}}</td><td>{{operation}}</td><td>{{account}}</td><td>{{resource}}</td><td>{{effect}}</td><td>{{probability}}</td><td>{{count}}</td><td>{{hits}}</td></tr>
        {{/rules}}
        </table>
        {{/hasRules}}
        """

    static let requests = """
        <table id="requests">
        <tr><th>Time</th><th>Operation</th><th>Account</th><th>Region</th><th>Status</th><th>Error</th><th>ms</th><th>Fault</th></tr>
        {{#requests}}<tr><td>{{time}}</td><td>{{operation}}</td><td>{{account}}</td><td>{{region}}</td><td>{{status}}</td><td>{{errorCode}}</td><td>{{milliseconds}}</td><td>{{fault}}</td></tr>
        {{/requests}}
        </table>
        """
}
