//! Where a request carries its credentials, and the variables they come
//! from: what a refused request (401, 403) tells the user to check. A
//! credential is a credential header, the URL's `user:password@`, a query
//! parameter named like one (`key`, `token`) or filled in from a variable
//! named like one (`${API_KEY}`), or such a variable anywhere else in the
//! URL (a webhook's path).

use crate::job::template::{Part, Template};
use crate::vars::mask;

/// One place a credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub(crate) place: Place,
    /// The variables its value comes from, in the order written; none when
    /// it is written in the job file.
    pub(crate) variables: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Header(String),
    Query(String),
    UserInfo,
    /// Elsewhere in the URL.
    Url,
}

/// The credentials a URL template carries.
pub(crate) fn in_url(url: &Template) -> Vec<Credential> {
    // The URL's text with each placeholder as one private-use character, so
    // it can be cut into its parts like any URL; `names[i]` is the name of
    // the placeholder written as `PLACEHOLDER + i`.
    const PLACEHOLDER: u32 = 0xF0000;
    let mut skeleton = String::new();
    let mut names = Vec::new();
    for part in url.parts() {
        match part {
            Part::Literal(text) => skeleton.push_str(text),
            Part::Var(placeholder) => {
                let marker = char::from_u32(PLACEHOLDER + names.len() as u32).unwrap_or('\u{FFFD}');
                skeleton.push(marker);
                names.push(placeholder.name.as_str());
            }
        }
    }
    let variables_in = |text: &str| -> Vec<String> {
        text.chars()
            .filter_map(|c| (c as u32).checked_sub(PLACEHOLDER))
            .filter_map(|i| names.get(i as usize))
            .map(|n| n.to_string())
            .collect()
    };
    let secret = |vars: &[String]| vars.iter().any(|v| mask::is_sensitive_variable(v));

    let mut found = Vec::new();
    let mut counted = Vec::new();
    let before_fragment = skeleton.split('#').next().unwrap_or_default();
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (before_fragment, None),
    };
    if let Some(after_scheme) = before_query.split_once("://").map(|(_, rest)| rest) {
        let authority = after_scheme.split('/').next().unwrap_or_default();
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let variables = variables_in(userinfo);
            counted.extend(variables.clone());
            found.push(Credential {
                place: Place::UserInfo,
                variables,
            });
        }
    }
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let variables = variables_in(value);
        let named_like_one = !name.is_empty() && variables_in(name).is_empty() && {
            let lower = name.to_ascii_lowercase();
            mask::is_sensitive_header(&lower)
                || ["sig", "signature", "apikey"].contains(&lower.as_str())
        };
        if named_like_one || secret(&variables) {
            counted.extend(variables.clone());
            found.push(Credential {
                place: Place::Query(name.to_string()),
                variables,
            });
        }
    }
    let rest: Vec<String> = variables_in(before_fragment)
        .into_iter()
        .filter(|v| mask::is_sensitive_variable(v) && !counted.contains(v))
        .collect();
    if !rest.is_empty() {
        found.push(Credential {
            place: Place::Url,
            variables: rest,
        });
    }
    found
}

/// What to check when the server refused the request's credentials.
pub(crate) fn refused_hint(credentials: &[Credential]) -> String {
    if credentials.is_empty() {
        return "the server refused the request and the job sends no credential: no credential header, and none in its URL; check whether it needs an `Authorization` header or a key in its URL".into();
    }
    let parts: Vec<String> = credentials
        .iter()
        .map(|credential| {
            let place = match &credential.place {
                Place::Header(name) => format!("the `{name}` header"),
                Place::Query(name) => format!("the `{name}` query parameter"),
                Place::UserInfo => "the user name and password in the URL".into(),
                Place::Url => "the URL".into(),
            };
            match credential.variables.as_slice() {
                [] => format!("{place} (its value is written in the job file)"),
                vars => format!(
                    "{place} and {} {}",
                    if vars.len() == 1 {
                        "variable"
                    } else {
                        "variables"
                    },
                    vars.iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        })
        .collect();
    format!(
        "authentication failed: check {} (a rotated or expired token is the commonest cause)",
        parts.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(url: &str) -> Vec<(Place, Vec<&'static str>)> {
        in_url(&Template::parse(url).unwrap())
            .into_iter()
            .map(|c| {
                let vars = c
                    .variables
                    .iter()
                    .map(|v| &*Box::leak(v.clone().into_boxed_str()))
                    .collect();
                (c.place, vars)
            })
            .collect()
    }

    #[test]
    fn query_parameters_named_or_filled_like_credentials_are_found() {
        assert_eq!(
            places("https://h/x?format=csv&key=${API_KEY}&day=${DAY}"),
            [(Place::Query("key".into()), vec!["API_KEY"])]
        );
        assert_eq!(
            places("https://h/x?q=${SEARCH_TOKEN}"),
            [(Place::Query("q".into()), vec!["SEARCH_TOKEN"])]
        );
        assert_eq!(
            places("https://h/x?access_token=abc#key=${NOT_SENT_KEY}"),
            [(Place::Query("access_token".into()), vec![])]
        );
        assert!(places("https://h/x?format=csv&day=${DAY}").is_empty());
    }

    #[test]
    fn userinfo_and_secret_variables_elsewhere_are_found() {
        assert_eq!(
            places("https://${USER}:${API_PASSWORD}@h/x"),
            [(Place::UserInfo, vec!["USER", "API_PASSWORD"])]
        );
        assert_eq!(
            places("https://hooks.example/services/${SLACK_TOKEN}"),
            [(Place::Url, vec!["SLACK_TOKEN"])]
        );
        assert!(places("${BASE_URL}/report").is_empty());
    }
}
