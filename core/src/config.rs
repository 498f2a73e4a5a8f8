//! Clinic configuration (SPEC §14). The settings belong to the store
//! (R-ST3): fixed when it is created, changed only by
//! `Store::update_settings`. A host gives them as a [`Config`] (every key)
//! or a [`PartialConfig`] (some keys); the store keeps them in their
//! normal form ([`Config::normalized`]) and the rules read the resolved
//! form ([`Settings`]).

use crate::billing::cycle::BillingCycle;
use crate::error::{Error, Result};
use chrono_tz::Tz;

/// The default allowed media types (§14).
pub const DEFAULT_MEDIA_TYPES: [&str; 8] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/heic",
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
];

/// The §14 keys, in the order of SPEC §14's table (the order in which a
/// handle's settings are compared with the store's, R-ST3).
pub const CONFIG_KEYS: [&str; 10] = [
    "time_zone",
    "age_of_majority",
    "retention_days_after_download",
    "masked_sender_name",
    "max_deadline_days",
    "max_attachment_bytes",
    "allowed_media_types",
    "fee_codes",
    "billing_cycle",
    "max_group_size",
];

/// The clinic's configuration (SPEC §14), every key. `Config::default()`
/// gives the SPEC defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// IANA time zone of the clinic (R-T2), default `UTC`.
    pub time_zone: String,
    /// Age below which a patient is a minor (R-R3), default 18.
    pub age_of_majority: u32,
    /// Days after the first patient-side download an attachment is kept (R-D6), default 7.
    pub retention_days_after_download: u32,
    /// Name shown to the patient side for masked messages (R-S5), default `Clinic Staff`.
    pub masked_sender_name: String,
    /// Largest deadline or notify interval in days (§4), default 365.
    pub max_deadline_days: u32,
    /// Largest attachment in bytes (R-S2), default 25 MiB.
    pub max_attachment_bytes: u64,
    /// Media types an attachment may have (R-S2), compared case-insensitively.
    pub allowed_media_types: Vec<String>,
    /// Fee codes that may be billed; empty means any well-formed code (R-S2).
    pub fee_codes: Vec<String>,
    /// `monthly`, `semi_monthly` or `weekly` (R-B2), default `monthly`.
    pub billing_cycle: String,
    /// Most entries in one group send, repeats included (R-G2), default 10000; at least 1.
    pub max_group_size: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            time_zone: "UTC".into(),
            age_of_majority: 18,
            retention_days_after_download: 7,
            masked_sender_name: "Clinic Staff".into(),
            max_deadline_days: 365,
            max_attachment_bytes: 26_214_400,
            allowed_media_types: DEFAULT_MEDIA_TYPES.iter().map(|s| s.to_string()).collect(),
            fee_codes: Vec::new(),
            billing_cycle: "monthly".into(),
            max_group_size: 10_000,
        }
    }
}

impl Config {
    /// Reads a configuration from a JSON object whose keys are those of
    /// SPEC §14; keys not given keep their defaults. An unknown key or a
    /// value of the wrong type is `invalid_config`. (To keep only the keys
    /// given, read it with [`PartialConfig::from_json`].)
    pub fn from_json(value: &serde_json::Value) -> Result<Config> {
        Ok(PartialConfig::from_json(value)?.over(&Config::default()))
    }

    /// The configuration as a JSON object of every §14 key (the form
    /// [`Config::from_json`] reads).
    pub fn to_json(&self) -> serde_json::Value {
        PartialConfig::from(self.clone()).to_json()
    }

    /// The normal form of a valid configuration (R-ST3, §14): the time
    /// zone by its IANA name, media types as R-S2 reads them (the essence,
    /// lower case) and fee codes as R-S2 reads them (trimmed, upper case),
    /// each list without repeats (first spelling first). An invalid value
    /// is `invalid_config`.
    pub fn normalized(&self) -> Result<Config> {
        let s = self.resolve()?;
        Ok(Config {
            time_zone: s.zone.name().to_string(),
            age_of_majority: s.age_of_majority,
            retention_days_after_download: s.retention_days,
            masked_sender_name: s.masked_sender_name,
            max_deadline_days: s.max_deadline_days,
            max_attachment_bytes: s.max_attachment_bytes,
            allowed_media_types: dedup(s.allowed_media_types),
            fee_codes: dedup(s.fee_codes),
            billing_cycle: s.billing_cycle.as_str().to_string(),
            max_group_size: s.max_group_size,
        })
    }
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for x in list {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// Some of the §14 keys: `None` is a key not given. What a handle gives
/// at open (R-ST3: only these keys are compared with the store's) and
/// what `Store::update_settings` changes (the others keep their values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialConfig {
    /// `time_zone`, as [`Config::time_zone`].
    pub time_zone: Option<String>,
    /// `age_of_majority`.
    pub age_of_majority: Option<u32>,
    /// `retention_days_after_download`.
    pub retention_days_after_download: Option<u32>,
    /// `masked_sender_name`.
    pub masked_sender_name: Option<String>,
    /// `max_deadline_days`.
    pub max_deadline_days: Option<u32>,
    /// `max_attachment_bytes`.
    pub max_attachment_bytes: Option<u64>,
    /// `allowed_media_types`.
    pub allowed_media_types: Option<Vec<String>>,
    /// `fee_codes`.
    pub fee_codes: Option<Vec<String>>,
    /// `billing_cycle`.
    pub billing_cycle: Option<String>,
    /// `max_group_size`.
    pub max_group_size: Option<u32>,
}

impl From<Config> for PartialConfig {
    /// Every key given.
    fn from(c: Config) -> Self {
        PartialConfig {
            time_zone: Some(c.time_zone),
            age_of_majority: Some(c.age_of_majority),
            retention_days_after_download: Some(c.retention_days_after_download),
            masked_sender_name: Some(c.masked_sender_name),
            max_deadline_days: Some(c.max_deadline_days),
            max_attachment_bytes: Some(c.max_attachment_bytes),
            allowed_media_types: Some(c.allowed_media_types),
            fee_codes: Some(c.fee_codes),
            billing_cycle: Some(c.billing_cycle),
            max_group_size: Some(c.max_group_size),
        }
    }
}

impl PartialConfig {
    /// Reads the keys present in a JSON object of §14 keys (`{}` gives
    /// none). An unknown key, a value of the wrong type or something
    /// other than an object is `invalid_config`.
    pub fn from_json(value: &serde_json::Value) -> Result<PartialConfig> {
        let obj = value.as_object().ok_or_else(|| {
            Error::InvalidConfig(format!("configuration {value} is not a JSON object"))
        })?;
        let mut c = PartialConfig::default();
        for (key, v) in obj {
            let bad = || Error::InvalidConfig(format!("{key} = {v} has the wrong type"));
            let uint = || v.as_u64().ok_or_else(bad);
            let strings = || -> Result<Vec<String>> {
                v.as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|s| s.as_str().map(str::to_string).ok_or_else(bad))
                    .collect()
            };
            let small = |n: u64| u32::try_from(n).map_err(|_| bad());
            match key.as_str() {
                "time_zone" => c.time_zone = Some(v.as_str().ok_or_else(bad)?.to_string()),
                "age_of_majority" => c.age_of_majority = Some(small(uint()?)?),
                "retention_days_after_download" => {
                    c.retention_days_after_download = Some(small(uint()?)?)
                }
                "masked_sender_name" => {
                    c.masked_sender_name = Some(v.as_str().ok_or_else(bad)?.to_string())
                }
                "max_deadline_days" => c.max_deadline_days = Some(small(uint()?)?),
                "max_attachment_bytes" => c.max_attachment_bytes = Some(uint()?),
                "allowed_media_types" => c.allowed_media_types = Some(strings()?),
                "fee_codes" => c.fee_codes = Some(strings()?),
                "billing_cycle" => c.billing_cycle = Some(v.as_str().ok_or_else(bad)?.to_string()),
                "max_group_size" => c.max_group_size = Some(small(uint()?)?),
                _ => {
                    return Err(Error::InvalidConfig(format!(
                        "unknown configuration key {key:?}"
                    )))
                }
            }
        }
        Ok(c)
    }

    /// The keys given, as a JSON object (in §14's order).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        put("time_zone", self.time_zone.as_ref().map(|v| json!(v)));
        put("age_of_majority", self.age_of_majority.map(|v| json!(v)));
        put(
            "retention_days_after_download",
            self.retention_days_after_download.map(|v| json!(v)),
        );
        put(
            "masked_sender_name",
            self.masked_sender_name.as_ref().map(|v| json!(v)),
        );
        put(
            "max_deadline_days",
            self.max_deadline_days.map(|v| json!(v)),
        );
        put(
            "max_attachment_bytes",
            self.max_attachment_bytes.map(|v| json!(v)),
        );
        put(
            "allowed_media_types",
            self.allowed_media_types.as_ref().map(|v| json!(v)),
        );
        put("fee_codes", self.fee_codes.as_ref().map(|v| json!(v)));
        put(
            "billing_cycle",
            self.billing_cycle.as_ref().map(|v| json!(v)),
        );
        put("max_group_size", self.max_group_size.map(|v| json!(v)));
        serde_json::Value::Object(m)
    }

    /// Whether no key is given.
    pub fn is_empty(&self) -> bool {
        *self == PartialConfig::default()
    }

    /// The keys given, in §14's order.
    pub fn keys(&self) -> Vec<&'static str> {
        let given = [
            self.time_zone.is_some(),
            self.age_of_majority.is_some(),
            self.retention_days_after_download.is_some(),
            self.masked_sender_name.is_some(),
            self.max_deadline_days.is_some(),
            self.max_attachment_bytes.is_some(),
            self.allowed_media_types.is_some(),
            self.fee_codes.is_some(),
            self.billing_cycle.is_some(),
            self.max_group_size.is_some(),
        ];
        CONFIG_KEYS
            .iter()
            .zip(given)
            .filter_map(|(k, g)| g.then_some(*k))
            .collect()
    }

    /// `base` with the keys given here replaced.
    pub fn over(&self, base: &Config) -> Config {
        let b = base.clone();
        Config {
            time_zone: self.time_zone.clone().unwrap_or(b.time_zone),
            age_of_majority: self.age_of_majority.unwrap_or(b.age_of_majority),
            retention_days_after_download: self
                .retention_days_after_download
                .unwrap_or(b.retention_days_after_download),
            masked_sender_name: self
                .masked_sender_name
                .clone()
                .unwrap_or(b.masked_sender_name),
            max_deadline_days: self.max_deadline_days.unwrap_or(b.max_deadline_days),
            max_attachment_bytes: self.max_attachment_bytes.unwrap_or(b.max_attachment_bytes),
            allowed_media_types: self
                .allowed_media_types
                .clone()
                .unwrap_or(b.allowed_media_types),
            fee_codes: self.fee_codes.clone().unwrap_or(b.fee_codes),
            billing_cycle: self.billing_cycle.clone().unwrap_or(b.billing_cycle),
            max_group_size: self.max_group_size.unwrap_or(b.max_group_size),
        }
    }

    /// R-ST3: compares the keys given here with the store's settings
    /// `stored` (normalized), after normalising them (§14; lists compare as
    /// sets, as R-S2 reads them). The first key that differs, in §14's
    /// order, is `invalid_config` naming it; an invalid value given is
    /// `invalid_config` too.
    pub(crate) fn check_against(&self, stored: &Config) -> Result<()> {
        let given = self.over(&Config::default()).normalized()?;
        let stored_json = stored.to_json();
        let given_json = given.to_json();
        for key in self.keys() {
            let same = match key {
                "allowed_media_types" => {
                    as_set(&given.allowed_media_types) == as_set(&stored.allowed_media_types)
                }
                "fee_codes" => as_set(&given.fee_codes) == as_set(&stored.fee_codes),
                _ => given_json[key] == stored_json[key],
            };
            if !same {
                return Err(Error::InvalidConfig(format!(
                    "{key} {} differs from the store's {key} {} (R-ST3: the clinic's settings \
                     belong to the store; open without {key} to use the store's, or change it \
                     with update_settings)",
                    given_json[key], stored_json[key]
                )));
            }
        }
        Ok(())
    }
}

fn as_set(list: &[String]) -> std::collections::BTreeSet<&str> {
    list.iter().map(String::as_str).collect()
}

impl Config {
    /// Checks every value and resolves the zone, the cycle and the lists.
    pub(crate) fn resolve(&self) -> Result<Settings> {
        let zone: Tz = self.time_zone.parse().map_err(|_| {
            Error::InvalidConfig(format!(
                "time_zone {:?} is not an IANA time zone (R-T2)",
                self.time_zone
            ))
        })?;
        if self.masked_sender_name.trim().is_empty() {
            return Err(Error::InvalidConfig(format!(
                "masked_sender_name {:?} is empty (R-S5)",
                self.masked_sender_name
            )));
        }
        if self.max_deadline_days == 0 {
            return Err(Error::InvalidConfig(
                "max_deadline_days must be at least 1".into(),
            ));
        }
        if self.max_group_size == 0 {
            return Err(Error::InvalidConfig(
                "max_group_size must be at least 1 (R-G2)".into(),
            ));
        }
        let mut fee_codes = Vec::new();
        for code in &self.fee_codes {
            match crate::compose::normalize_fee_code(code) {
                Some(c) => fee_codes.push(c),
                None => {
                    return Err(Error::InvalidConfig(format!(
                        "fee_codes entry {code:?} is not 1-10 of A-Z, 0-9"
                    )))
                }
            }
        }
        Ok(Settings {
            zone,
            age_of_majority: self.age_of_majority,
            retention_days: self.retention_days_after_download,
            masked_sender_name: self.masked_sender_name.clone(),
            max_deadline_days: self.max_deadline_days,
            max_attachment_bytes: self.max_attachment_bytes,
            allowed_media_types: self
                .allowed_media_types
                .iter()
                .map(|m| crate::compose::media_type_essence(m))
                .collect(),
            fee_codes,
            billing_cycle: BillingCycle::parse(&self.billing_cycle)?,
            max_group_size: self.max_group_size,
        })
    }
}

/// The checked, resolved configuration the rules read.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub zone: Tz,
    pub age_of_majority: u32,
    pub retention_days: u32,
    pub masked_sender_name: String,
    pub max_deadline_days: u32,
    pub max_attachment_bytes: u64,
    pub allowed_media_types: Vec<String>,
    pub fee_codes: Vec<String>,
    pub billing_cycle: BillingCycle,
    pub max_group_size: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_configs_read_only_the_keys_given() {
        let p = PartialConfig::from_json(&serde_json::json!({
            "time_zone": "America/Toronto",
            "fee_codes": ["a1"]
        }))
        .unwrap();
        assert_eq!(p.keys(), ["time_zone", "fee_codes"]);
        assert_eq!(
            p.to_json(),
            serde_json::json!({"time_zone": "America/Toronto", "fee_codes": ["a1"]})
        );
        let c = p.over(&Config::default());
        assert_eq!(c.time_zone, "America/Toronto");
        assert_eq!(c.max_group_size, 10_000);
        assert_eq!(Config::from_json(&p.to_json()).unwrap(), c);
        assert!(PartialConfig::from_json(&serde_json::json!({}))
            .unwrap()
            .is_empty());
        assert_eq!(
            PartialConfig::from_json(&serde_json::json!({"zone": "UTC"}))
                .unwrap_err()
                .code(),
            "invalid_config"
        );
        assert_eq!(
            PartialConfig::from(Config::default()).keys(),
            CONFIG_KEYS.to_vec()
        );
    }

    #[test]
    fn normal_forms_are_as_r_s2_reads_them() {
        let c = Config {
            allowed_media_types: vec![
                "Application/PDF; charset=x".into(),
                "application/pdf".into(),
                "image/png".into(),
            ],
            fee_codes: vec![" k083 ".into(), "K083".into()],
            ..Config::default()
        };
        let n = c.normalized().unwrap();
        assert_eq!(n.allowed_media_types, ["application/pdf", "image/png"]);
        assert_eq!(n.fee_codes, ["K083"]);
        assert_eq!(n.normalized().unwrap(), n);
    }

    #[test]
    fn only_the_keys_given_are_compared_first_difference_first() {
        let stored = Config {
            time_zone: "America/Toronto".into(),
            fee_codes: vec!["K083".into(), "A007".into()],
            ..Config::default()
        }
        .normalized()
        .unwrap();
        let given = |v: serde_json::Value| PartialConfig::from_json(&v).unwrap();
        given(serde_json::json!({})).check_against(&stored).unwrap();
        given(serde_json::json!({"fee_codes": ["a007", " k083"], "age_of_majority": 18}))
            .check_against(&stored)
            .unwrap();
        let e = given(serde_json::json!({"billing_cycle": "weekly", "time_zone": "Europe/Paris"}))
            .check_against(&stored)
            .unwrap_err();
        assert_eq!(e.code(), "invalid_config");
        let m = e.to_string();
        assert!(
            m.starts_with("invalid configuration: time_zone \"Europe/Paris\""),
            "{m}"
        );
        assert!(m.contains("R-ST3"), "{m}");
        let e = given(serde_json::json!({"time_zone": "Mars/Olympus"}))
            .check_against(&stored)
            .unwrap_err();
        assert!(e.to_string().contains("IANA"), "{e}");
    }
}
