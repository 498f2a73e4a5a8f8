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
    ]
}
