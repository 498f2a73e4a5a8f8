//! Search folding (SPEC R-R1; §15 "Search (R-R1)", "Whitespace", "EMR IDs").
//!
//! Last names are matched by prefix after folding: Unicode NFKD, every
//! character of general category M (Mn, Mc, Me) removed, full case folding
//! (CaseFolding.txt C + F: `ß` → `ss`), and the typographic apostrophes
//! U+2018, U+2019 and U+02BC read as `'`. So `cote` finds `Côté` and `o'b`
//! finds both `O'Brien` and `O’Brien`. EMR IDs compare by case folding alone.

use crate::error::{Error, Result};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// R-R1: the folded form of a name, compared by prefix in search.
///
/// In order: NFKD, drop category M, full case folding, then NFKD and drop
/// category M once more, mapping U+2018, U+2019 and U+02BC to `'`. The
/// second pass matters because case folding can itself produce a mark
/// (`ǰ` U+01F0 folds to `j` + U+030C); the result never holds a category-M
/// character, and folding it again changes nothing.
pub fn fold_name(s: &str) -> String {
    let unmarked: String = s.nfkd().filter(|c| !is_mark(*c)).collect();
    case_fold(&unmarked)
        .nfkd()
        .filter(|c| !is_mark(*c))
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
            other => other,
        })
        .collect()
}

/// R-R1: a search query, trimmed of Unicode `White_Space` and folded with
/// [`fold_name`]. A query that is empty after trimming, or whose folded form
/// is empty (only combining marks, say), is `Error::InvalidArgument`.
pub fn fold_query(query: &str) -> Result<String> {
    // `str::trim` trims exactly the `White_Space` property (§15 "Whitespace").
    let trimmed = query.trim();
    if trimmed.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "search query {query:?} is empty after trimming whitespace (R-R1)"
        )));
    }
    let folded = fold_name(trimmed);
    if folded.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "search query {query:?} has nothing left to search for after folding \
             (it holds only combining marks) (R-R1)"
        )));
    }
    Ok(folded)
}

/// §15 "EMR IDs compare by Unicode case folding": full case folding
/// (CaseFolding.txt C + F) and nothing else: no normalization, no trimming.
/// Two EMR IDs are the same when their case folds are equal.
pub fn case_fold(s: &str) -> String {
    caseless::default_case_fold_str(s)
}

/// Whether `c` is of general category M (Mn, Mc or Me).
fn is_mark(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Mark
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, last_name: &str) -> bool {
        let query = fold_query(query).expect("a valid query");
        fold_name(last_name).starts_with(&query)
    }

    #[test]
    fn unaccented_lower_case_query_finds_accented_name() {
        assert!(finds("cote", "Côté"));
        assert_eq!(fold_name("Côté"), "cote");
    }

    #[test]
    fn accented_upper_case_prefix_finds_accented_name() {
        assert!(finds("CÔ", "Côté"));
        assert!(finds("côté", "COTE"));
    }

    #[test]
    fn ascii_apostrophe_query_finds_both_apostrophes() {
        assert!(finds("o'b", "O'Brien"));
        assert!(finds("o'b", "O’Brien"));
        assert!(finds("o’b", "O'Brien"));
    }

    #[test]
    fn every_typographic_apostrophe_reads_as_ascii() {
        for name in [
            "O'Brien",
            "O\u{2018}Brien",
            "O\u{2019}Brien",
            "O\u{02BC}Brien",
        ] {
            assert_eq!(fold_name(name), "o'brien", "{name:?}");
        }
        // Other quote-like characters are not apostrophes.
        assert_eq!(fold_name("O\u{201B}Brien"), "o\u{201B}brien");
    }

    #[test]
    fn apostrophe_from_compatibility_decomposition_reads_as_ascii() {
        // U+0149 ŉ decomposes (NFKD) to U+02BC + n.
        assert_eq!(fold_name("\u{0149}"), "'n");
    }

    #[test]
    fn sharp_s_folds_to_ss() {
        assert_eq!(fold_name("Straße"), "strasse");
        assert_eq!(fold_name("STRASSE"), "strasse");
        assert_eq!(fold_name("ẞ"), "ss");
        assert!(finds("strass", "Straße"));
        assert!(finds("straß", "Strasse"));
    }

    #[test]
    fn compatibility_characters_fold_to_their_plain_letters() {
        assert_eq!(fold_name("ﬁnch"), "finch");
        assert_eq!(fold_name("ＯＢＲＩＥＮ"), "obrien"); // full-width
        assert_eq!(fold_name("\u{212A}elvin"), "kelvin"); // KELVIN SIGN
    }

    #[test]
    fn marks_of_every_kind_are_removed() {
        // Mn (U+0301), Mc (U+0903 DEVANAGARI SIGN VISARGA), Me (U+20DD).
        assert_eq!(fold_name("e\u{0301}"), "e");
        assert_eq!(fold_name("क\u{0903}"), "क");
        assert_eq!(fold_name("a\u{20DD}"), "a");
    }

    #[test]
    fn marks_produced_by_case_folding_are_removed() {
        // ǰ folds to j + U+030C; ΐ folds to ι + U+0308 + U+0301; İ to i + U+0307.
        assert_eq!(fold_name("\u{01F0}"), "j");
        assert_eq!(fold_name("\u{0390}"), "\u{03B9}");
        assert_eq!(fold_name("\u{0130}"), "i");
        assert_eq!(fold_name("J\u{030C}"), "j");
    }

    #[test]
    fn no_character_folds_to_a_mark_and_folding_is_idempotent() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let folded = fold_name(&c.to_string());
            assert!(
                !folded.chars().any(is_mark),
                "U+{:04X} → {folded:?}",
                c as u32
            );
            assert_eq!(fold_name(&folded), folded, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn whitespace_around_a_query_is_trimmed() {
        assert_eq!(fold_query("  Côté\t").ok(), Some("cote".to_owned()));
        // U+3000 IDEOGRAPHIC SPACE and U+00A0 NO-BREAK SPACE are White_Space.
        assert_eq!(
            fold_query("\u{3000}cote\u{00A0}").ok(),
            Some("cote".to_owned())
        );
    }

    #[test]
    fn inner_whitespace_is_kept() {
        assert_eq!(
            fold_query(" Van der Berg ").ok(),
            Some("van der berg".to_owned())
        );
    }

    #[test]
    fn empty_query_is_refused() {
        assert_refused("");
    }

    #[test]
    fn whitespace_only_query_is_refused() {
        assert_refused("   ");
        assert_refused("\t\n\u{3000}\u{2028}\u{00A0}");
    }

    #[test]
    fn query_of_only_combining_marks_is_refused() {
        assert_refused("\u{0301}");
        assert_refused(" \u{0301}\u{0308}\u{20DD} ");
    }

    #[test]
    fn format_characters_are_not_whitespace() {
        // U+200B ZERO WIDTH SPACE is Cf, not White_Space: it is text.
        assert_eq!(fold_query("\u{200B}").ok(), Some("\u{200B}".to_owned()));
    }

    fn assert_refused(query: &str) {
        match fold_query(query) {
            Err(Error::InvalidArgument(message)) => {
                assert!(message.contains(&format!("{query:?}")), "{message}");
                assert!(message.contains("R-R1"), "{message}");
            }
            other => panic!("{query:?} gave {other:?}"),
        }
    }

    #[test]
    fn emr_ids_compare_equal_by_case_folding() {
        assert_eq!(case_fold("e500"), case_fold("E500"));
        assert_eq!(case_fold("MRN-ß1"), case_fold("mrn-SS1"));
        assert_ne!(case_fold("E500"), case_fold("E5000"));
    }

    #[test]
    fn case_folding_keeps_accents_and_spaces() {
        // EMR IDs are exact apart from case: no accent folding, no trimming.
        assert_ne!(case_fold("É500"), case_fold("E500"));
        assert_eq!(case_fold("É500"), case_fold("é500"));
        assert_eq!(case_fold(" E500"), " e500");
    }
}
