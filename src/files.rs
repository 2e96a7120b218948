//! Files jobrun is given to read or write, and what it says when it cannot
//! use one.

/// The OS's reason without Rust's "(os error N)" suffix.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text.to_lowercase(),
    }
}
