//! Braze's REST instances, and where a client sends its requests.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::Url;

use crate::Error;

/// A Braze REST instance (data centre). Each workspace lives on one; a key from one
/// instance is unknown to the others (Braze answers 401). The dashboard shows yours under
/// Settings > APIs and Identifiers.
///
/// Parse one from its name, case-insensitively, with or without the dash:
///
/// ```
/// use braze_sdk::Instance;
/// assert_eq!("us-01".parse::<Instance>().unwrap(), Instance::Us01);
/// assert_eq!("EU02".parse::<Instance>().unwrap().rest_url(), "https://rest.fra-02.braze.eu");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Instance {
    /// US-01, `https://rest.iad-01.braze.com`
    Us01,
    /// US-02, `https://rest.iad-02.braze.com`
    Us02,
    /// US-03, `https://rest.iad-03.braze.com`
    Us03,
    /// US-04, `https://rest.iad-04.braze.com`
    Us04,
    /// US-05, `https://rest.iad-05.braze.com`
    Us05,
    /// US-06, `https://rest.iad-06.braze.com`
    Us06,
    /// US-07, `https://rest.iad-07.braze.com`
    Us07,
    /// US-08, `https://rest.iad-08.braze.com`
    Us08,
    /// US-10, `https://rest.us-10.braze.com` (there is no US-09)
    Us10,
    /// EU-01, `https://rest.fra-01.braze.eu`
    Eu01,
    /// EU-02, `https://rest.fra-02.braze.eu`
    Eu02,
    /// AU-01, `https://rest.au-01.braze.com`
    Au01,
    /// ID-01, `https://rest.id-01.braze.com`
    Id01,
    /// JP-01, `https://rest.jp-01.braze.com`
    Jp01,
    /// KR-01, `https://rest.kr-01.braze.com`
    Kr01,
}

impl Instance {
    /// Every instance, in Braze's order.
    pub const ALL: [Instance; 15] = [
        Self::Us01,
        Self::Us02,
        Self::Us03,
        Self::Us04,
        Self::Us05,
        Self::Us06,
        Self::Us07,
        Self::Us08,
        Self::Us10,
        Self::Eu01,
        Self::Eu02,
        Self::Au01,
        Self::Id01,
        Self::Jp01,
        Self::Kr01,
    ];

    /// Braze's name for it, e.g. `US-01`.
    pub fn name(self) -> &'static str {
        self.facts().0
    }

    /// Its REST endpoint, e.g. `https://rest.iad-01.braze.com`.
    pub fn rest_url(self) -> &'static str {
        self.facts().1
    }

    fn facts(self) -> (&'static str, &'static str) {
        match self {
            Self::Us01 => ("US-01", "https://rest.iad-01.braze.com"),
            Self::Us02 => ("US-02", "https://rest.iad-02.braze.com"),
            Self::Us03 => ("US-03", "https://rest.iad-03.braze.com"),
            Self::Us04 => ("US-04", "https://rest.iad-04.braze.com"),
            Self::Us05 => ("US-05", "https://rest.iad-05.braze.com"),
            Self::Us06 => ("US-06", "https://rest.iad-06.braze.com"),
            Self::Us07 => ("US-07", "https://rest.iad-07.braze.com"),
            Self::Us08 => ("US-08", "https://rest.iad-08.braze.com"),
            Self::Us10 => ("US-10", "https://rest.us-10.braze.com"),
            Self::Eu01 => ("EU-01", "https://rest.fra-01.braze.eu"),
            Self::Eu02 => ("EU-02", "https://rest.fra-02.braze.eu"),
            Self::Au01 => ("AU-01", "https://rest.au-01.braze.com"),
            Self::Id01 => ("ID-01", "https://rest.id-01.braze.com"),
            Self::Jp01 => ("JP-01", "https://rest.jp-01.braze.com"),
            Self::Kr01 => ("KR-01", "https://rest.kr-01.braze.com"),
        }
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Instance {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        Self::ALL
            .into_iter()
            .find(|instance| instance.name().replace('-', "") == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|i| i.name()).collect();
                Error::config(format!(
                    "unknown Braze instance {s:?}; expected one of {} or an https:// URL",
                    names.join(", ")
                ))
            })
    }
}

/// Where requests go: a Braze instance, or any base URL (a proxy, or the fake server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base_url: String,
    instance: Option<Instance>,
}

impl Endpoint {
    /// A base URL. It must be `https://`, except plain `http://` to a loopback address
    /// (for the fake server): the API key must not cross a network in clear. A path is
    /// kept (for proxies that mount Braze under a prefix); a query, fragment or
    /// credentials in the URL are refused.
    pub fn url(url: &str) -> Result<Self, Error> {
        let parsed = Url::parse(url.trim())
            .map_err(|e| Error::config(format!("the endpoint {url:?} is not a valid URL: {e}")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if is_loopback(&parsed) => {}
            "http" => {
                return Err(Error::config(format!(
                    "the endpoint {url:?} uses plain http; Braze needs https:// (plain http is \
                     allowed only to loopback, for the fake server)"
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "the endpoint {url:?} has scheme {other:?}; expected https://"
                )));
            }
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::config(format!("the endpoint {url:?} has no host")));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::config(
                "the endpoint URL must not carry credentials; the API key goes in its own setting",
            ));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(Error::config(format!(
                "the endpoint {url:?} must not have a query or fragment"
            )));
        }
        let base_url = parsed.as_str().trim_end_matches('/').to_owned();
        let instance = Instance::ALL.into_iter().find(|i| i.rest_url() == base_url);
        Ok(Self { base_url, instance })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The Braze instance, when the URL is one of theirs.
    pub fn instance(&self) -> Option<Instance> {
        self.instance
    }
}

impl From<Instance> for Endpoint {
    fn from(instance: Instance) -> Self {
        Self {
            base_url: instance.rest_url().to_owned(),
            instance: Some(instance),
        }
    }
}

impl FromStr for Endpoint {
    type Err = Error;

    /// An instance name (`US-01`, `eu-02`) or a URL.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.contains("://") {
            Self::url(s)
        } else {
            s.parse::<Instance>().map(Self::from)
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.instance {
            Some(instance) => write!(f, "{} ({})", instance, self.base_url),
            None => f.write_str(&self.base_url),
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instance_parses_from_its_name_in_any_case() {
        for instance in Instance::ALL {
            assert_eq!(instance.name().parse::<Instance>().unwrap(), instance);
            assert_eq!(
                instance.name().to_lowercase().parse::<Instance>().unwrap(),
                instance
            );
            assert_eq!(
                instance
                    .name()
                    .replace('-', "")
                    .parse::<Instance>()
                    .unwrap(),
                instance
            );
            assert!(instance.rest_url().starts_with("https://rest."));
        }
        let err = "US-09".parse::<Instance>().unwrap_err().to_string();
        assert!(err.contains("US-09") && err.contains("KR-01"), "{err}");
    }

    #[test]
    fn endpoints_require_https_except_to_loopback() {
        for ok in [
            "https://rest.iad-01.braze.com",
            "https://proxy.example.com/braze/",
            "http://127.0.0.1:8080",
            "http://[::1]:9000",
            "http://localhost:1234",
        ] {
            assert!(Endpoint::url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://rest.iad-01.braze.com",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "https://user:pass@rest.iad-01.braze.com",
            "https://rest.iad-01.braze.com/?x=1",
            "not a url",
        ] {
            assert!(Endpoint::url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints_parse_from_names_or_urls() {
        let eu: Endpoint = "eu-01".parse().unwrap();
        assert_eq!(eu.base_url(), "https://rest.fra-01.braze.eu");
        let url: Endpoint = "https://rest.fra-01.braze.eu/".parse().unwrap();
        assert_eq!(url, eu);
        assert_eq!(url.instance(), Some(Instance::Eu01));
        let proxy: Endpoint = "https://proxy.example.com/braze/".parse().unwrap();
        assert_eq!(proxy.base_url(), "https://proxy.example.com/braze");
        assert_eq!(proxy.instance(), None);
    }
}
