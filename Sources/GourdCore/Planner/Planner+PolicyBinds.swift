/// The site policy's own binds, and its rules for the binds users ask for.
extension Planner {
    var variables: PolicyVariables { PolicyVariables(identity: host.identity, environment: host.environment) }

    /// `[[bind]]` entries: an optional one whose variable is unset, whose source is missing on
    /// the host or whose destination is missing in the image is skipped with a note; a
    /// required one fails the launch.
    func policyMounts(after earlier: [Mount], notes: inout [String]) throws(PlanError) -> [Mount] {
        var mounts = earlier
        for bind in policy.binds {
            func skip(_ reason: String) throws(PlanError) {
                if bind.required { throw .policyBindFailed(bind.source, origin: bind.origin, reason: reason) }
                notes.append("policy bind '\(bind.source)' (\(bind.origin)) skipped: \(reason)")
            }
            let source: String
            let destination: String
            switch (variables.expand(bind.source), variables.expand(bind.destination ?? bind.source)) {
            case let (.success(s), .success(d)):
                source = Paths.normalize(s)
                destination = Paths.normalize(d)
            case let (.failure(unset), _), let (_, .failure(unset)):
                try skip("$\(unset.name) is not set")
                continue
            }
            let real: String
            switch checkBind(source, onto: destination, after: mounts) {
            case .success(let bind): real = bind.source
            case .failure(.protectedDestination):
                try skip("\(destination) may not be a bind destination (the container's root, /proc or /dev)")
                continue
            case .failure(.sourceMissing):
                try skip("\(source) does not exist on the host")
                continue
            case .failure(.destinationUnreachable):
                try skip("\(destination) cannot be created in the image (it lies in another mount or under a file)")
                continue
            case .failure(.kindMismatch):
                try skip("\(source) and \(destination) are not both directories or both files")
                continue
            }
            mounts.append(
                Mount(
                    kind: .bind(source: real), destination: destination, readOnly: bind.readOnly,
                    reason: "policy \(bind.origin)"))
        }
        return Array(mounts.dropFirst(earlier.count))
    }

    /// Deny wins over allow; both compare the source with every symlink resolved, so a link
    /// in the user's home cannot reach a denied path.
    func checkBindAllowed(_ source: String, spec: BindSpec) throws(PlanError) {
        let rules = policy.userBinds
        for rule in rules.deny {
            guard case .success(let expanded) = variables.expand(rule.path) else { continue }
            let denied = hostFS.realPath(expanded) ?? Paths.normalize(expanded)
            if Paths.isWithin(source, denied) || Paths.isWithin(spec.source, Paths.normalize(expanded)) {
                throw .bindDenied(
                    source, origin: spec.origin,
                    rule: "binds.deny '\(rule.path)' at \(rule.origin.file)\(rule.origin.line.map { ":\($0)" } ?? "")")
            }
        }
        if let origin = rules.denyOtherHomes {
            let homes = Paths.parent(of: home)
            let realHome = hostFS.realPath(home) ?? home
            let realHomes = Paths.parent(of: realHome)
            let inOwn = Paths.isWithin(source, realHome) || Paths.isWithin(source, home)
            // The directory of homes itself counts: binding /home shows every home.
            let inHomes =
                (homes != "/" && Paths.isWithin(source, homes))
                || (realHomes != "/" && Paths.isWithin(source, realHomes))
            if inHomes && !inOwn {
                throw .bindDenied(source, origin: spec.origin, rule: "another user's home, \(origin)")
            }
        }
        guard !rules.allow.isEmpty else { return }
        let allowed = rules.allow.compactMap { rule -> String? in
            guard case .success(let expanded) = variables.expand(rule.path) else { return nil }
            return hostFS.realPath(expanded) ?? Paths.normalize(expanded)
        }
        if !allowed.contains(where: { Paths.isWithin(source, $0) }) {
            let list = allowed.joined(by: ", ")
            throw .bindDenied(source, origin: spec.origin, rule: "not under binds.allow (\(list)) at \(rules.allow[0].origin.file)")
        }
    }
}
