//! The demo's clinic: who is in the directory and what they write.

use pmsg_core::{Account, AccountKind, Connection, DirectoryUpdate, Patient, Staff, Workgroup};

/// The clinic's time zone: its spring-forward falls on Sunday 2026-03-08.
pub const ZONE: &str = "America/Toronto";

/// A doctor who takes direct messages.
pub const DOCTOR: &str = "s-okafor";
/// A nurse who does not.
pub const NURSE: &str = "s-reyes";
/// The nurses' workgroup.
pub const NURSING: &str = "wg-nursing";
/// An adult with her own registered account.
pub const ADULT: &str = "E1001";
/// Her account.
pub const ADULT_ACCOUNT: &str = "a-elise";
/// A minor.
pub const MINOR: &str = "E1002";

/// The lab-results message (step 4).
pub const LAB_SUBJECT: &str = "Your recent blood test";
/// Its body.
pub const LAB_BODY: &str = "Your ferritin is a little low. Please read the attached \
    results and tell us whether you are taking the iron supplement.";
/// Its attachment's name.
pub const LAB_FILE: &str = "ferritin-results.pdf";
/// Its attachment's bytes: small, and PDF-ish.
pub const LAB_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
/// Its fee code.
pub const LAB_FEE: &str = "K738";

/// The vaccination message to the minor (step 3).
pub const VACCINE_SUBJECT: &str = "Noah's vaccination follow-up";
/// Its body.
pub const VACCINE_BODY: &str =
    "Noah is due for his booster. Please book a visit at the front desk.";
/// Its fee code.
pub const VACCINE_FEE: &str = "A007";

/// The patient's reply (step 7).
pub const REPLY_BODY: &str = "Thank you. Yes, I take the iron supplement every morning.";

/// The directory the host would upsert (§2).
pub fn directory() -> DirectoryUpdate {
    let account = |id: &str, kind, name: &str, registered| Account {
        id: id.into(),
        kind,
        display_name: name.into(),
        registered,
    };
    let staff = |id: &str, name: &str, accepts_direct| Staff {
        id: id.into(),
        display_name: name.into(),
        accepts_direct,
    };
    let connection = |caregiver: &str| Connection {
        caregiver: caregiver.into(),
        patient: MINOR.into(),
        active: true,
    };
    DirectoryUpdate {
        accounts: vec![
            account(ADULT_ACCOUNT, AccountKind::Patient, "Élise Côté", true),
            account("a-marie", AccountKind::Caregiver, "Marie Tremblay", true),
            account("a-luc", AccountKind::Caregiver, "Luc Tremblay", false),
        ],
        patients: vec![
            Patient {
                emr_id: ADULT.into(),
                first_name: "Élise".into(),
                last_name: "Côté".into(),
                date_of_birth: "1984-11-02".into(),
                dependent: false,
                account: Some(ADULT_ACCOUNT.into()),
            },
            Patient {
                emr_id: MINOR.into(),
                first_name: "Noah".into(),
                last_name: "Tremblay".into(),
                date_of_birth: "2015-05-20".into(),
                dependent: false,
                account: None,
            },
        ],
        connections: vec![connection("a-marie"), connection("a-luc")],
        staff: vec![
            staff(DOCTOR, "Dr. Amara Okafor", true),
            staff(NURSE, "Nurse Sam Reyes", false),
        ],
        workgroups: vec![Workgroup {
            id: NURSING.into(),
            name: "Nursing".into(),
            members: vec![NURSE.into(), DOCTOR.into()],
        }],
    }
}

/// The flu clinic's group notice (step 11): list order, with a repeat.
pub const FLU_LIST: [&str; 6] = [
    FLU_AMELIE,
    FLU_BEN,
    FLU_UNREGISTERED,
    FLU_UNKNOWN,
    MINOR,
    FLU_REPEAT,
];
/// An adult with a registered account.
pub const FLU_AMELIE: &str = "E2001";
/// An adult with a registered account, who replies.
pub const FLU_BEN: &str = "E2002";
/// An adult whose account was never registered: not reachable.
pub const FLU_UNREGISTERED: &str = "E2003";
/// An EMR ID the directory does not know.
pub const FLU_UNKNOWN: &str = "E2999";
/// Amélie again, spelled in lower case: sent to once (R-G2).
pub const FLU_REPEAT: &str = "e2001";
/// The group notice's subject.
pub const FLU_SUBJECT: &str = "Flu vaccination clinic on Saturday";
/// Its body.
pub const FLU_BODY: &str = "Our flu vaccination clinic runs this Saturday from 9:00 to 15:00. \
    No appointment is needed; reply if you have questions.";
/// Ben's reply.
pub const BEN_REPLY: &str = "I have an egg allergy. Can I still get the vaccine?";
/// Ben's second reply, after the assignment.
pub const BEN_SECOND_REPLY: &str = "Also, my last reaction was a rash only.";
/// The nurse's staff note on the assignment (never shown to the patient).
pub const ASSIGN_NOTE: &str = "Egg allergy question: please advise before Saturday.";
/// A 16-year-old with her own registered account and a connected parent.
pub const TEEN: &str = "E2004";
/// The confidential message's subject.
pub const TEEN_SUBJECT: &str = "Your test results";
/// Its body.
pub const TEEN_BODY: &str = "Your results are back and everything is normal. \
    Reply here if you would like to talk about them.";

/// The patients the flu-clinic step adds (§2 upserts).
pub fn flu_clinic_directory() -> DirectoryUpdate {
    let account = |id: &str, kind, name: &str, registered| Account {
        id: id.into(),
        kind,
        display_name: name.into(),
        registered,
    };
    let patient = |emr: &str, first: &str, last: &str, born: &str, acc: &str| Patient {
        emr_id: emr.into(),
        first_name: first.into(),
        last_name: last.into(),
        date_of_birth: born.into(),
        dependent: false,
        account: Some(acc.into()),
    };
    DirectoryUpdate {
        accounts: vec![
            account("a-amelie", AccountKind::Patient, "Amélie Roy", true),
            account("a-ben", AccountKind::Patient, "Ben Ford", true),
            account("a-chloe", AccountKind::Patient, "Chloé Martin", false),
            account("a-maya", AccountKind::Patient, "Maya Singh", true),
            account("a-priya", AccountKind::Caregiver, "Priya Singh", true),
        ],
        patients: vec![
            patient(FLU_AMELIE, "Amélie", "Roy", "1979-06-12", "a-amelie"),
            patient(FLU_BEN, "Ben", "Ford", "1990-09-30", "a-ben"),
            patient(FLU_UNREGISTERED, "Chloé", "Martin", "1968-02-03", "a-chloe"),
            patient(TEEN, "Maya", "Singh", "2010-01-15", "a-maya"),
        ],
        connections: vec![Connection {
            caregiver: "a-priya".into(),
            patient: TEEN.into(),
            active: true,
        }],
        ..Default::default()
    }
}

/// Every name, word and file name a notice must not reveal (R-D1).
pub fn health_information() -> Vec<&'static str> {
    vec![
        LAB_SUBJECT,
        "ferritin",
        "iron",
        LAB_FILE,
        VACCINE_SUBJECT,
        "booster",
        "Élise",
        "Côté",
        "Noah",
        "Tremblay",
        "Okafor",
        "Reyes",
        "Nursing",
        LAB_FEE,
        VACCINE_FEE,
        "flu",
        "egg",
        "Amélie",
        "Ford",
        "Singh",
        "results",
    ]
}
