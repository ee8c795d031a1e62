//! Keeps `core`'s module graph free of import circles (issue 18): a module that names another
//! (`use crate::scenario::Acks`, `super::sender::InFlight` in a type, `crate::log::NO_KEY` inside a
//! macro) depends on it, and those dependencies must form a DAG so each part can be read, and one
//! day tested, from the leaves up.
//!
//! The graph is built from the sources with `syn`: every `use` tree, every path in code and every
//! `a::b` token run inside a macro call, resolved to the module that defines the name (following
//! `pub use` re-exports, so `crate::Sim` is an edge to `sim`). `#[cfg(test)]` items are skipped:
//! a test module may use anything. A module's edges to its own submodules are not counted — a
//! parent declares and re-exports its parts — but a submodule's edges up to its parent are: today
//! every `sim` part still reaches `super::Sim`, which is fine as long as `sim` itself does not
//! depend back on the part through a sibling.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// A module's absolute path inside the crate: `[]` is the crate root, `["sim", "timer"]`.
type ModPath = Vec<String>;

/// One source file and what it names.
struct Module {
    file: PathBuf,
    /// Names this module re-exports (`pub use x::Y`), with the absolute path they point to.
    reexports: BTreeMap<String, Vec<String>>,
    /// Absolute paths this module names, with the line of the first mention (for the report).
    refs: Vec<(Vec<String>, usize)>,
}

fn module_path(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).expect("file is under src/");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Expands a `use` tree into its leaf paths (`{self, *}` leaves end at the prefix).
fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix.clone();
            if n.ident != "self" {
                full.push(n.ident.to_string());
            }
            out.push(full);
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            if r.ident != "self" {
                full.push(r.ident.to_string());
            }
            out.push(full);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_leaves(t, prefix, out)),
    }
}

/// Collects the paths a file names (relative as written; resolved later).
#[derive(Default)]
struct Collector {
    paths: Vec<(Vec<String>, usize)>,
    /// `pub use` leaves: (name it is visible as, path as written).
    reexports: Vec<(String, Vec<String>)>,
}

impl Collector {
    fn tokens(&mut self, ts: TokenStream) {
        // A run `a :: b :: c` of identifiers joined by `::`, as a macro's tokens carry it.
        let mut run: Vec<String> = Vec::new();
        let mut line = 0;
        let mut colons = 0;
        let flush = |run: &mut Vec<String>, paths: &mut Vec<(Vec<String>, usize)>, line| {
            if run.len() > 1 {
                paths.push((std::mem::take(run), line));
            }
            run.clear();
        };
        for tt in ts {
            match tt {
                TokenTree::Ident(i) if run.is_empty() || colons == 2 => {
                    if run.is_empty() {
                        line = i.span().start().line;
                    }
                    run.push(i.to_string());
                    colons = 0;
                }
                TokenTree::Punct(p) if p.as_char() == ':' && !run.is_empty() && colons < 2 => {
                    colons += 1;
                }
                other => {
                    flush(&mut run, &mut self.paths, line);
                    colons = 0;
                    match other {
                        TokenTree::Group(g) => self.tokens(g.stream()),
                        TokenTree::Ident(i) => {
                            line = i.span().start().line;
                            run.push(i.to_string());
                        }
                        // A path in a string, as serde takes it: `default = "crate::a::f"`.
                        TokenTree::Literal(l) => {
                            let text = l.to_string();
                            let inner = text.trim_matches('"');
                            let segs: Vec<String> = inner.split("::").map(String::from).collect();
                            let is_path = text.starts_with('"')
                                && segs.len() > 1
                                && segs.iter().all(|s| {
                                    !s.is_empty()
                                        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
                                });
                            if is_path {
                                self.paths.push((segs, l.span().start().line));
                            }
                        }
                        TokenTree::Punct(_) => {}
                    }
                }
            }
        }
        flush(&mut run, &mut self.paths, line);
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        let attrs = match i {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(x) => &x.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            _ => return syn::visit::visit_item(self, i),
        };
        if !is_cfg_test(attrs) {
            syn::visit::visit_item(self, i);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
        let line = syn::spanned::Spanned::span(&u.tree).start().line;
        let public = !matches!(u.vis, syn::Visibility::Inherited);
        for leaf in leaves {
            if public {
                if let Some(name) = leaf.last() {
                    self.reexports.push((name.clone(), leaf.clone()));
                }
            }
            self.paths.push((leaf, line));
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segs.len() > 1 {
            let line = syn::spanned::Spanned::span(p).start().line;
            self.paths.push((segs, line));
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        // `#[serde(default = "crate::…")]` names a function the derived code calls.
        if let syn::Meta::List(l) = &a.meta {
            self.tokens(l.tokens.clone());
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

/// The crate's module graph.
struct Graph {
    modules: BTreeMap<ModPath, Module>,
}

impl Graph {
    fn load(src: &Path) -> Graph {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        let mut raw = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read source");
            let ast = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{}: does not parse: {e}", file.display()));
            let mut c = Collector::default();
            c.visit_file(&ast);
            raw.push((module_path(src, &file), file, c));
        }
        let names: BTreeSet<ModPath> = raw.iter().map(|(m, _, _)| m.clone()).collect();
        let mut modules = BTreeMap::new();
        for (here, file, c) in raw {
            let absolute = |p: &[String]| absolute(&names, &here, p);
            let reexports = c
                .reexports
                .iter()
                .filter_map(|(name, p)| Some((name.clone(), absolute(p)?)))
                .collect();
            let refs = c
                .paths
                .iter()
                .filter_map(|(p, line)| Some((absolute(p)?, *line)))
                .collect();
            modules.insert(
                here,
                Module {
                    file,
                    reexports,
                    refs,
                },
            );
        }
        Graph { modules }
    }

    /// The module that defines what `path` (absolute) names: the deepest module prefix, then
    /// through that module's re-export of the next segment, if any.
    fn target(&self, path: &[String]) -> ModPath {
        let mut seen = 0;
        let mut path = path.to_vec();
        loop {
            let mut at = 0;
            while at < path.len() && self.modules.contains_key(&path[..=at]) {
                at += 1;
            }
            let module = path[..at].to_vec();
            let Some(next) = path.get(at) else {
                return module;
            };
            match self.modules[&module].reexports.get(next) {
                Some(to) if seen < 8 && to != &path[..=at] => {
                    let mut redirected = to.clone();
                    redirected.extend_from_slice(&path[at + 1..]);
                    path = redirected;
                    seen += 1;
                }
                _ => return module,
            }
        }
    }

    /// Dependency edges `from → to`, with one `file:line` that shows each.
    fn edges(&self) -> BTreeMap<(ModPath, ModPath), String> {
        let mut edges = BTreeMap::new();
        for (here, m) in &self.modules {
            for (path, line) in &m.refs {
                let to = self.target(path);
                // Not an edge: itself, or one of its own submodules (a parent holds its parts).
                if to.starts_with(here) {
                    continue;
                }
                edges.entry((here.clone(), to)).or_insert_with(|| {
                    format!(
                        "{}:{line} `{}`",
                        m.file
                            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                            .unwrap_or(&m.file)
                            .display(),
                        path.join("::")
                    )
                });
            }
        }
        edges
    }
}

/// Resolves a path as written in module `here` to an absolute one, or `None` for external
/// crates, primitives and names not rooted in a module (`Loop::Idle` after a `use`).
fn absolute(names: &BTreeSet<ModPath>, here: &ModPath, p: &[String]) -> Option<Vec<String>> {
    let first = p.first()?;
    let mut base = here.clone();
    let mut rest = p;
    match first.as_str() {
        "crate" => {
            base.clear();
            rest = &p[1..];
        }
        "self" => rest = &p[1..],
        "super" => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        child => {
            let mut sub = here.clone();
            sub.push(child.to_string());
            if !names.contains(&sub) {
                return None;
            }
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Strongly connected components with more than one module (Tarjan), each sorted.
fn circles(nodes: &[ModPath], edges: &BTreeMap<(ModPath, ModPath), String>) -> Vec<Vec<ModPath>> {
    struct T<'a> {
        adj: BTreeMap<&'a ModPath, Vec<&'a ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on: BTreeSet<&'a ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a ModPath) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.adj.get(v).cloned().unwrap_or_default() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = Vec::new();
            loop {
                let w = t.stack.pop().expect("v is on the stack");
                t.on.remove(w);
                scc.push(w.clone());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                t.out.push(scc);
            }
        }
    }
    let mut t = T {
        adj: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for (from, to) in edges.keys() {
        t.adj.entry(from).or_default().push(to);
    }
    for v in nodes {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out.sort();
    t.out
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

fn graph() -> Graph {
    Graph::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

/// Circles known and not yet broken, each as its sorted members joined by ` ↔ `. Empty is the
/// goal; a circle broken must be taken off this list (the test fails on a stale entry too).
const STILL_OPEN: &[&str] = &[];

#[test]
fn core_modules_import_each_other_without_circles() {
    let g = graph();
    let edges = g.edges();
    let nodes: Vec<ModPath> = g.modules.keys().cloned().collect();
    let found = circles(&nodes, &edges);
    let mut report = String::new();
    let found: Vec<_> = found
        .into_iter()
        .filter(|scc| {
            let joined = scc.iter().map(name).collect::<Vec<_>>().join(" ↔ ");
            !STILL_OPEN.contains(&joined.as_str())
        })
        .collect();
    for scc in &found {
        report += &format!(
            "circle: {}\n",
            scc.iter().map(name).collect::<Vec<_>>().join(" ↔ ")
        );
        for ((from, to), at) in &edges {
            if scc.contains(from) && scc.contains(to) {
                report += &format!("  {} → {}  ({at})\n", name(from), name(to));
            }
        }
    }
    assert!(found.is_empty(), "import circles in core:\n{report}");
    let open: Vec<String> = circles(&nodes, &edges)
        .iter()
        .map(|scc| scc.iter().map(name).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    for known in STILL_OPEN {
        assert!(
            open.iter().any(|o| o == known),
            "{known} is no longer a circle: take it off STILL_OPEN"
        );
    }
}

#[test]
fn the_graph_sees_uses_reexports_parent_edges_and_serde_strings() {
    // The checker must see the edges it exists to police, or it passes vacuously.
    let g = graph();
    let edges = g.edges();
    let has = |from: &str, to: &str| {
        let p = |s: &str| -> ModPath { s.split("::").map(String::from).collect() };
        edges.contains_key(&(p(from), p(to)))
    };
    // `use crate::scenario::…` at the top of the module.
    assert!(has("sim::producer", "scenario"));
    // A path in a serde attribute's string.
    assert!(has("scenario", "group_protocols"));
    // `crate::Sim` in the player resolves through lib.rs's `pub use sim::Sim`.
    assert!(has("player", "sim"));
    // A submodule reaching its parent (`use super::Sim`) is an edge; the parent's own
    // `mod consumer;`/`use consumer::Consumer` is not.
    assert!(has("sim::consumer", "sim"));
    assert!(!has("sim", "sim::consumer"));
}

fn collected(src: &str) -> Vec<String> {
    let mut c = Collector::default();
    c.visit_file(&syn::parse_file(src).expect("test source parses"));
    c.paths.iter().map(|(p, _)| p.join("::")).collect()
}

#[test]
fn paths_in_macros_and_serde_strings_are_seen_and_test_modules_are_not() {
    let paths = collected(
        r#"
        #[derive(serde::Deserialize)]
        struct S { #[serde(default = "crate::defaults::one")] n: u32 }
        fn f() -> bool { matches!(x(), super::consumer::Loop::Idle) }
        #[cfg(test)]
        mod tests { use crate::everything::Else; }
        "#,
    );
    assert!(
        paths.contains(&"crate::defaults::one".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"super::consumer::Loop::Idle".to_string()),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("everything")), "{paths:?}");
}

#[test]
fn a_circle_through_three_modules_is_reported_once() {
    let m = |s: &str| -> ModPath { s.split("::").map(String::from).collect() };
    let edges: BTreeMap<(ModPath, ModPath), String> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
            .into_iter()
            .map(|(f, t)| ((m(f), m(t)), String::new()))
            .collect();
    let nodes = vec![m("a"), m("b"), m("c"), m("d")];
    assert_eq!(circles(&nodes, &edges), vec![vec![m("a"), m("b"), m("c")]]);
}
