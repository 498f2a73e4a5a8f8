//! JSON text as pmsg reads it from hosts: a duplicated key is an error, not
//! "the last one wins". A request built by string formatting (a body of
//! `negative", "patient": "E2`) would otherwise redirect a message to
//! another patient; with this reader it fails with `invalid_argument`
//! naming the key and the object.

use crate::error::{Error, Result};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Parses `text` as one JSON value; `what` names it in errors ("send
/// request", "configuration", …). Malformed JSON and a key given twice in
/// one object are `invalid_argument`.
pub fn parse(text: &str, what: &str) -> Result<Value> {
    parse_as(text, what, Error::InvalidArgument)
}

/// As [`parse`], with the error variant to report (a configuration's
/// problems are `invalid_config`).
pub fn parse_as(text: &str, what: &str, err: fn(String) -> Error) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict {
        path: String::new(),
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| err(format!("{what} is not valid JSON: {e}")))?;
    Ok(value)
}

/// Builds a [`Value`], refusing a key repeated within one object. `path`
/// locates the object in the error message (`attachments[0]`).
struct Strict {
    path: String,
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict {
            path: format!("{}[{}]", self.path, out.len()),
        })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if out.contains_key(&key) {
                let object = if self.path.is_empty() {
                    "the top-level object".to_string()
                } else {
                    format!("object {}", self.path)
                };
                return Err(de::Error::custom(format!(
                    "key {key:?} appears twice in {object}"
                )));
            }
            let value = map.next_value_seed(Strict { path })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicated_key_is_refused_naming_it() {
        let err = parse(
            r#"{"body": "negative", "patient": "E1", "patient": "E2"}"#,
            "send request",
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
        let m = err.to_string();
        assert!(
            m.contains("\"patient\"") && m.contains("twice") && m.contains("send request"),
            "{m}"
        );
    }

    #[test]
    fn a_duplicated_key_deep_inside_names_its_object() {
        let err = parse(
            r#"{"attachments": [{"name": "a"}, {"name": "b", "name": "c"}]}"#,
            "send request",
        )
        .unwrap_err();
        assert!(err.to_string().contains("attachments[1]"), "{err}");
    }

    #[test]
    fn the_same_key_in_two_objects_is_fine() {
        let v = parse(r#"[{"a": 1}, {"a": 2.5, "b": [null, true, "x"]}]"#, "list").unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"a": 1}, {"a": 2.5, "b": [null, true, "x"]}])
        );
    }

    #[test]
    fn malformed_or_trailing_text_is_refused() {
        assert_eq!(parse("{", "x").unwrap_err().code(), "invalid_argument");
        assert_eq!(parse("{} {}", "x").unwrap_err().code(), "invalid_argument");
        assert_eq!(
            parse_as("{\"a\":1,\"a\":1}", "configuration", Error::InvalidConfig)
                .unwrap_err()
                .code(),
            "invalid_config"
        );
    }

    #[test]
    fn large_integers_keep_their_value() {
        let v = parse(
            r#"{"n": 18446744073709551615, "m": -9223372036854775808}"#,
            "x",
        )
        .unwrap();
        assert_eq!(v["n"].as_u64(), Some(u64::MAX));
        assert_eq!(v["m"].as_i64(), Some(i64::MIN));
    }
}
