@_spi(Engine) import TraceEvent

extension ReportOptions {
    /// The plugin options in effect after `-O` (libtraceevent 1.7.1's rules, which the
    /// reference applies each time an input file loads the plugins):
    ///
    /// - `-O [plugin:]name[=value]` records (plugin, name, value); a later `-O` with the same
    ///   plugin (or none) and name replaces the value.
    /// - Each input loads the plugins; each option of a loaded plugin (`ftrace:parent`,
    ///   `ftrace:indent`, `ftrace:offset`, `fgraph:tailprint`, `fgraph:depth`) is then updated
    ///   from the first record naming its plugin and option, then from the first naming the
    ///   option alone.
    /// - An update with a value sets the option (`1`/`true`) or clears it (`0`/`false`; other
    ///   values change nothing); one without a value toggles it, so `-O offset` with two
    ///   inputs toggles twice (and has no effect), as in the reference.
    var effectivePluginOptions: PluginOptions {
        var records: [(plugin: String?, name: String, value: String?)] = []
        for arg in pluginOptions {
            var spec = Substring(arg)
            var value: String?
            if let eq = spec.firstIndex(of: "=") {
                value = String(spec[spec.index(after: eq)...])
                spec = spec[..<eq]
            }
            var plugin: String?
            var name = String(spec)
            if let colon = spec.firstIndex(of: ":") {
                plugin = String(spec[..<colon])
                name = String(spec[spec.index(after: colon)...])
            }
            if let k = records.firstIndex(where: { $0.plugin == plugin && $0.name == name }) {
                records[k].value = value
            } else {
                records.insert((plugin, name, value), at: 0)
            }
        }
        var result = PluginOptions()
        guard !records.isEmpty else { return result }
        func update(_ flag: inout Bool, _ value: String?) {
            guard let value else { flag.toggle(); return }
            if value == "1" || value == "true" { flag = true } else if value == "0" || value == "false" { flag = false }
        }
        func load(_ flag: inout Bool, plugin: String, name: String) {
            if let r = records.first(where: { $0.plugin == plugin && $0.name == name }) { update(&flag, r.value) }
            if let r = records.first(where: { $0.plugin == nil && $0.name == name }) { update(&flag, r.value) }
        }
        for _ in inputs {
            load(&result.graphTailPrint, plugin: "fgraph", name: "tailprint")
            load(&result.graphDepth, plugin: "fgraph", name: "depth")
            load(&result.functionParent, plugin: "ftrace", name: "parent")
            load(&result.functionIndent, plugin: "ftrace", name: "indent")
            load(&result.functionOffset, plugin: "ftrace", name: "offset")
        }
        return result
    }
}
