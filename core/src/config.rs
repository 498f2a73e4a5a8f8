//! Clinic configuration (SPEC §14). A plain record the host fills in; the
//! store checks it once at open and keeps the resolved form.

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

/// The clinic's configuration (SPEC §14). `Config::default()` gives the
/// SPEC defaults.
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
    /// value of the wrong type is `invalid_config`.
    pub fn from_json(value: &serde_json::Value) -> Result<Config> {
        let obj = value.as_object().ok_or_else(|| {
            Error::InvalidConfig(format!("configuration {value} is not a JSON object"))
        })?;
        let mut c = Config::default();
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
                "time_zone" => c.time_zone = v.as_str().ok_or_else(bad)?.to_string(),
                "age_of_majority" => c.age_of_majority = small(uint()?)?,
                "retention_days_after_download" => {
                    c.retention_days_after_download = small(uint()?)?
                }
                "masked_sender_name" => {
                    c.masked_sender_name = v.as_str().ok_or_else(bad)?.to_string()
                }
                "max_deadline_days" => c.max_deadline_days = small(uint()?)?,
                "max_attachment_bytes" => c.max_attachment_bytes = uint()?,
                "allowed_media_types" => c.allowed_media_types = strings()?,
                "fee_codes" => c.fee_codes = strings()?,
                "billing_cycle" => c.billing_cycle = v.as_str().ok_or_else(bad)?.to_string(),
                "max_group_size" => c.max_group_size = small(uint()?)?,
                _ => {
                    return Err(Error::InvalidConfig(format!(
                        "unknown configuration key {key:?}"
                    )))
                }
            }
        }
        Ok(c)
    }

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
