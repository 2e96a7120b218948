//! Keys in a mapping: duplicates refused, compared by their text as
//! js-yaml compares them, and `<<` merge keys applied.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Node, Value};
use crate::diagnostic::Diagnostic;

/// Mappings with fewer keys than this (nearly all of them) are searched
/// key by key for a duplicate; larger ones get an index.
const INDEX_FROM: usize = 16;

/// Where `key` is already in `entries`, a mapping being built. Once the
/// mapping has [`INDEX_FROM`] keys they are indexed by text (and `key` is
/// added to the index, at the place it will take), so a mapping of 100,000
/// keys is read in linear time, not by comparing every pair.
pub(super) fn first_with_key(
    entries: &[(Node, Node)],
    index: &mut Option<HashMap<String, usize>>,
    key: &Node,
) -> Option<usize> {
    if index.is_none() && entries.len() < INDEX_FROM {
        return entries
            .iter()
            .position(|(k, _)| !is_merge(k) && same_key(k, key));
    }
    let index = index.get_or_insert_with(|| {
        let mut index = HashMap::with_capacity(2 * entries.len());
        for (i, (k, _)) in entries.iter().enumerate() {
            if !is_merge(k) {
                index.entry(key_text(k).into_owned()).or_insert(i);
            }
        }
        index
    });
    let text = key_text(key);
    if let Some(first) = index.get(text.as_ref()) {
        return Some(*first);
    }
    index.insert(text.into_owned(), entries.len());
    None
}

/// A key's text, as [`same_key`] compares keys.
fn key_text(key: &Node) -> Cow<'_, str> {
    match &key.value {
        Value::Str(s) => Cow::Borrowed(s),
        _ => Cow::Owned(key.scalar_text().unwrap_or_default()),
    }
}

/// Whether two keys name the same entry. Compared as js-yaml does, by the
/// key's text (`1` and `"1"` are one key), without allocating for the
/// common case of two strings.
fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => a.scalar_text() == b.scalar_text(),
    }
}

pub(super) fn is_merge(key: &Node) -> bool {
    !key.quoted && key.as_str() == Some("<<")
}

/// Apply `<<` merge keys: keys written in the mapping win over merged ones,
/// and an earlier merged mapping wins over a later one.
pub(super) fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, Vec<Diagnostic>> {
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(entries);
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    // The keys taken so far, by text: a lookup each, not a pass over them.
    let mut taken: std::collections::HashSet<String> =
        own.iter().map(|(k, _)| key_text(k).into_owned()).collect();
    for (_, value) in merges {
        let sources = match value.value {
            Value::Map(_) => vec![value],
            Value::Seq(items) => items,
            _ => {
                return Err(vec![Diagnostic::error(
                    "`<<` merges a mapping, or a list of mappings",
                    value.span,
                )]);
            }
        };
        for source in sources {
            let Value::Map(merged) = source.value else {
                return Err(vec![Diagnostic::error(
                    "`<<` merges a mapping, or a list of mappings",
                    source.span,
                )]);
            };
            for (k, v) in merged {
                if taken.insert(key_text(&k).into_owned()) {
                    own.push((k, v));
                }
            }
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;
    use crate::jobfile::yaml::tests::{error, map, root};

    #[test]
    fn duplicate_keys_point_at_both() {
        let d = error("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.message, "duplicate key `a`");
        assert_eq!(d.span, Some(Span::new(3, 1, 1)));
        assert_eq!(d.related.unwrap().0, Span::new(1, 1, 1));
    }

    #[test]
    fn keys_with_the_same_text_are_duplicates_as_in_js_yaml() {
        assert!(
            error("1: a\n\"1\": b\n")
                .message
                .starts_with("duplicate key `1`")
        );
        assert!(
            error("x: 1\n\"x\": 2\n")
                .message
                .starts_with("duplicate key `x`")
        );
    }

    #[test]
    fn duplicates_are_found_in_large_mappings_too() {
        // Past the size at which keys are indexed: the same answers as
        // comparing them one by one, `1` and `"1"` alike included.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("7: a\n<<: {z: 1}\n\"7\": b\n");
        let d = error(&text);
        assert_eq!(d.message, "duplicate key `7`");
        assert_eq!(d.span, Some(Span::new(43, 1, 3)));
        assert_eq!(d.related.unwrap().0, Span::new(41, 1, 1));
        let d = error(&format!("{text}k3: again\n"));
        assert_eq!(
            d.message, "duplicate key `7`",
            "the first duplicate is reported"
        );
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("<<: {k3: merged, m: 1}\n<<: {m: 2}\nk39: again\n");
        let d = error(&text);
        assert_eq!(d.message, "duplicate key `k39`");
        assert_eq!(d.related.unwrap().0, Span::new(40, 1, 3));
    }

    #[test]
    fn merged_keys_do_not_replace_written_ones_in_large_mappings() {
        let mut text = String::from("base: &b {");
        text.push_str(
            &(0..40)
                .map(|i| format!("k{i}: m{i}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        text.push_str("}\nuse:\n  k5: own\n  <<: [*b, {k5: later, extra: 1}]\n");
        let doc = root(&text);
        let (_, used) = &map(&doc)[1];
        let pairs: Vec<_> = map(used)
            .iter()
            .map(|(k, v)| (k.scalar_text().unwrap(), v.value.clone()))
            .collect();
        assert_eq!(pairs.len(), 41);
        assert_eq!(pairs[0], ("k5".into(), Value::Str("own".into())));
        assert_eq!(pairs[1], ("k0".into(), Value::Str("m0".into())));
        assert_eq!(pairs[40], ("extra".into(), Value::Int(1)));
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let doc = root("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n");
        let (_, used) = &map(&doc)[1];
        let pairs: Vec<_> = map(used)
            .iter()
            .map(|(k, v)| (k.scalar_text().unwrap(), v.value.clone()))
            .collect();
        assert_eq!(
            pairs,
            vec![("y".into(), Value::Int(3)), ("x".into(), Value::Int(1))]
        );
    }
}
