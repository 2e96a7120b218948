//! Which certificate authorities a job trusts: the system's store, as curl
//! and every other tool on the host use it (so a corporate CA installed
//! there works), plus the job's own `caFile`.
//!
//! The store is read only for https URLs: a plain-http job never pays for
//! parsing a hundred certificates.

use std::path::{Path, PathBuf};

use ureq::tls::{Certificate, PemItem};

use crate::files::{self, Pipes};

/// Where distributions keep the system's bundle, in the order OpenSSL-based
/// tools probe them.
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/ssl/cert.pem",                  // Alpine, macOS, BSDs
];
const DIRS: &[&str] = &["/etc/ssl/certs"];

/// The trusted certificates, and where they came from (for the error when
/// none were found).
pub(crate) struct Roots {
    pub(crate) certs: Vec<Certificate<'static>>,
    pub(crate) sources: Vec<PathBuf>,
}

/// The system's trusted certificates. `SSL_CERT_FILE` and `SSL_CERT_DIR`
/// replace the default locations, as they do for curl and OpenSSL.
pub(crate) fn system(env: &dyn Fn(&str) -> Option<String>) -> Roots {
    let mut roots = Roots {
        certs: Vec::new(),
        sources: Vec::new(),
    };
    let file = env("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let dir = env("SSL_CERT_DIR").filter(|v| !v.is_empty());
    if file.is_some() || dir.is_some() {
        if let Some(file) = file {
            roots.add_file(Path::new(&file));
        }
        for dir in dir.iter().flat_map(|d| d.split(':')) {
            roots.add_dir(Path::new(dir));
        }
        return roots;
    }
    if let Some(bundle) = BUNDLES.iter().map(Path::new).find(|p| p.is_file()) {
        roots.add_file(bundle);
    } else {
        DIRS.iter().for_each(|d| roots.add_dir(Path::new(d)));
    }
    roots
}

/// The certificates an https request trusts, read only when the first
/// https address is met: the system's (with `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` read from `env` now), then `extra`.
pub(crate) fn lazy(
    env: &dyn Fn(&str) -> Option<String>,
    extra: Vec<Certificate<'static>>,
) -> crate::http::transport::Roots {
    let values: Vec<(&str, Option<String>)> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .into_iter()
        .map(|name| (name, env(name)))
        .collect();
    Box::new(move || {
        let env = |name: &str| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.clone())
        };
        let mut certs = system(&env).certs;
        certs.extend(extra.iter().cloned());
        certs
    })
}

/// The largest certificate file read: the system's bundle of every
/// public CA is about 220 KiB.
pub(crate) const MAX_BYTES: u64 = 4 * 1024 * 1024;

impl Roots {
    fn add_file(&mut self, path: &Path) {
        if let Ok(bytes) = files::read(path, MAX_BYTES, Pipes::Refused) {
            let before = self.certs.len();
            self.certs.extend(certificates(&bytes));
            if self.certs.len() > before {
                self.sources.push(path.to_path_buf());
            }
        }
    }

    fn add_dir(&mut self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.is_file()) {
            self.add_file(path);
        }
    }
}

/// The certificates of a job's `caFile`. An unreadable file, or one with no
/// valid certificate in it, is an error: the job asked to trust something.
pub(crate) fn ca_file(path: &Path) -> Result<Vec<Certificate<'static>>, String> {
    let bytes = files::read(path, MAX_BYTES, Pipes::Refused).map_err(|e| e.to_string())?;
    let certs = certificates(&bytes);
    if certs.is_empty() {
        return Err("it holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)".into());
    }
    for cert in &certs {
        let der = rustls::pki_types::CertificateDer::from(cert.der());
        rustls::RootCertStore::empty()
            .add(der)
            .map_err(|e| format!("it holds a certificate that cannot be used: {e}"))?;
    }
    Ok(certs)
}

fn certificates(pem: &[u8]) -> Vec<Certificate<'static>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(cert)) => Some(cert.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_container_image_carries_the_bundle_read_first() {
        // The Dockerfile's runtime stage copies in the bundle this module
        // looks for first, so `https` works in the image.
        let dockerfile = include_str!("../../Dockerfile");
        let copied = format!(" {}\n", BUNDLES[0]);
        assert!(
            dockerfile
                .lines()
                .any(|l| l.starts_with("COPY ") && format!("{l}\n").ends_with(&copied)),
            "the Dockerfile copies no {}",
            BUNDLES[0]
        );
    }

    use super::*;

    #[test]
    fn ssl_cert_file_replaces_the_default_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("none.pem");
        std::fs::write(&empty, "").unwrap();
        let path = empty.display().to_string();
        let env = move |name: &str| (name == "SSL_CERT_FILE").then(|| path.clone());
        let roots = system(&env);
        assert!(roots.certs.is_empty());
        assert!(roots.sources.is_empty());
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        assert!(ca_file(&path).unwrap_err().contains("no PEM certificate"));
        assert!(ca_file(&dir.path().join("missing.pem")).is_err());
    }
}
