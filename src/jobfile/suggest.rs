//! Help for a slip: the known word closest to the one written, and the
//! known words listed, for "did you mean" and "use one of" messages.

/// The known word closest to `word`, if one is close enough to be a slip:
/// the same letters in another case or separator style, or a small edit.
pub(crate) fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(word);
    if let Some(k) = known.iter().find(|k| fold(k) == folded) {
        return Some(k);
    }
    let length = folded.chars().count();
    known
        .iter()
        .map(|k| (fold(k), *k))
        // The distance is at least the difference in length: a word much
        // longer than every known one (a value of megabytes) is compared
        // with none, rather than at the cost of its length times theirs.
        .filter(|(folded_k, k)| length.abs_diff(folded_k.chars().count()) <= close(k))
        .map(|(folded_k, k)| (strsim::damerau_levenshtein(&folded, &folded_k), k))
        .filter(|(distance, k)| *distance <= close(k))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// How many edits from `known` a word may be and still be a slip of it.
fn close(known: &str) -> usize {
    2.max(known.len() / 4)
}

/// `a`, `b` and `c`
pub(crate) fn list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::schema::{JOB_KEYS, names};

    #[test]
    fn suggestions_only_for_close_words() {
        let keys = names(JOB_KEYS);
        assert_eq!(suggest("scheduel", &keys), Some("schedule"));
        assert_eq!(suggest("Timeout", &keys), Some("timeout"));
        assert_eq!(suggest("frobnicate", &keys), None);
    }
}
