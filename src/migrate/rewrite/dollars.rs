//! `$` the Node scheduler sent as text, written so that jobrun sends it too.

/// A string as written, with each `$` the Node scheduler sent as text
/// written so that jobrun sends it too: a run of `$` not starting a
/// `${...}` placeholder is doubled when jobrun would read `$$` in it.
pub(super) fn double_dollars(written: &str) -> String {
    let chars: Vec<char> = written.chars().collect();
    let mut out = String::with_capacity(written.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '$').count();
        let starts_placeholder = chars.get(i + run) == Some(&'{');
        // The Node scheduler's text: every `$` of the run, but the last
        // when it opens a placeholder.
        let literal = run - usize::from(starts_placeholder);
        let doubled = if literal >= 2 || (literal >= 1 && starts_placeholder) {
            2 * literal
        } else {
            literal
        };
        out.extend(std::iter::repeat_n(
            '$',
            doubled + usize::from(starts_placeholder),
        ));
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_keep_what_the_node_scheduler_sent() {
        assert_eq!(double_dollars("\"a $$ b\""), "\"a $$$$ b\"");
        assert_eq!(double_dollars("$$${X}"), "$$$$${X}");
        assert_eq!(double_dollars("$${X}"), "$$${X}");
        assert_eq!(double_dollars("$5 and ${X}"), "$5 and ${X}");
    }
}
