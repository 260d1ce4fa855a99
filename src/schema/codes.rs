//! The code lists the outcome engine reads, as enums (the validator checks deliveries against
//! the lists of `data-schema/delivery.toml`; these are the same lists past the parser, and a
//! test keeps the two equal). Each enum reads and writes the stored code (`as_str`, `parse`,
//! serde in snake case); the variants are declared in the order of their codes' text, so a map
//! keyed by one iterates (and serialises) in the same order as one keyed by the text.

use serde::{Deserialize, Serialize};

/// Declare a code-list enum with its stored codes.
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident, $list:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every code, in the order of their text.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The name of the code list in `data-schema/delivery.toml`.
            pub const LIST: &'static str = $list;

            /// The stored code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The code of a stored value (`None` for anything else).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes!(
    /// Sex of a person.
    Sex, "sex" {
        /// Female.
        F = "f",
        /// Male.
        M = "m",
        /// Unknown.
        U = "u",
        /// Other.
        X = "x",
    }
);

codes!(
    /// Form of youth care (after CBS *Beleidsinformatie Jeugd*); the ladder gives each a level.
    CareForm, "care_form" {
        /// Ambulant care at the provider (32).
        Ambulant = "ambulant",
        /// Day treatment (33).
        DayTreatment = "day_treatment",
        /// Family home (36).
        FamilyHome = "family_home",
        /// Foster care (35).
        FosterCare = "foster_care",
        /// Local (district) team (31).
        LocalTeam = "local_team",
        /// Care in the young person's network (34).
        Network = "network",
        /// Other residential care (38).
        Residential = "residential",
        /// Secure placement (37).
        Secure = "secure",
    }
);

codes!(
    /// Why a care episode ended.
    CareEndReason, "care_end_reason" {
        /// Reaching the age limit.
        AgeLimit = "age_limit",
        /// Died (a form of external).
        Died = "died",
        /// Early, one-sided by the client (dropout).
        EarlyClient = "early_client",
        /// Early, by mutual agreement.
        EarlyMutual = "early_mutual",
        /// Early, one-sided by the provider.
        EarlyProvider = "early_provider",
        /// External circumstances.
        External = "external",
        /// Moved (a form of external).
        Moved = "moved",
        /// Other.
        Other = "other",
        /// As planned.
        Planned = "planned",
        /// Unknown.
        Unknown = "unknown",
    }
);

codes!(
    /// Kind of measure: the protection measures and youth probation.
    MeasureKind, "measure_kind" {
        /// Guardianship.
        Guardianship = "guardianship",
        /// Family supervision order (OTS).
        Ots = "ots",
        /// Provisional guardianship.
        ProvisionalGuardianship = "provisional_guardianship",
        /// Provisional OTS.
        ProvisionalOts = "provisional_ots",
        /// Youth probation (not a protection measure).
        YouthProbation = "youth_probation",
    }
);

impl MeasureKind {
    /// The full measure a provisional one is continued by (`None` for a full measure).
    pub fn full(self) -> Option<MeasureKind> {
        match self {
            MeasureKind::ProvisionalOts => Some(MeasureKind::Ots),
            MeasureKind::ProvisionalGuardianship => Some(MeasureKind::Guardianship),
            _ => None,
        }
    }
}

codes!(
    /// Why a measure ended.
    MeasureEndReason, "measure_end_reason" {
        /// Reaching the age limit.
        AgeLimit = "age_limit",
        /// The goal was reached.
        GoalReached = "goal_reached",
        /// Other.
        Other = "other",
        /// Transferred.
        Transferred = "transferred",
        /// Unknown.
        Unknown = "unknown",
    }
);

codes!(
    /// Kind of safety report.
    ReportKind, "report_kind" {
        /// Child abuse.
        ChildAbuse = "child_abuse",
        /// Domestic violence.
        DomesticViolence = "domestic_violence",
        /// Other.
        Other = "other",
    }
);

codes!(
    /// When a measurement was taken.
    Moment, "moment" {
        /// At the end of the episode.
        End = "end",
        /// Follow-up.
        FollowUp = "follow_up",
        /// Quarterly.
        Quarterly = "quarterly",
        /// At the start.
        Start = "start",
    }
);

codes!(
    /// Severity class of an offence (docs/definitions.md §4.17).
    OffenceSeverity, "offence_severity" {
        /// Light: a Halt-able misdemeanour or minor crime.
        Light = "light",
        /// Medium.
        Medium = "medium",
        /// Serious: the WODC *ernstige recidive* class.
        Serious = "serious",
    }
);

codes!(
    /// How the justice chain settled an offence.
    OffenceSettlement, "offence_settlement" {
        /// Acquittal.
        Acquittal = "acquittal",
        /// Conviction by a court.
        Conviction = "conviction",
        /// Referral to Halt.
        Halt = "halt",
        /// Not yet settled.
        Pending = "pending",
        /// Dismissed by the police.
        PoliceDismissal = "police_dismissal",
        /// Dismissed by the public prosecutor.
        ProsecutorDismissal = "prosecutor_dismissal",
        /// Settled by the prosecutor (penalty order, transaction).
        ProsecutorSettlement = "prosecutor_settlement",
        /// Unknown.
        Unknown = "unknown",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn same<T: Copy + Ord>(all: &[T], as_str: fn(T) -> &'static str, list: &str) {
        let schema = crate::schema::Schema::embedded().expect("schema");
        let mut want: Vec<&str> = schema.codes[list].values.iter().map(String::as_str).collect();
        want.sort_unstable();
        let got: Vec<&str> = all.iter().map(|c| as_str(*c)).collect();
        assert_eq!(got, want, "{list}: the enum's codes are the schema's, in text order");
    }

    #[test]
    fn every_enum_holds_exactly_its_schema_code_list_in_text_order() {
        same(Sex::ALL, Sex::as_str, Sex::LIST);
        same(CareForm::ALL, CareForm::as_str, CareForm::LIST);
        same(CareEndReason::ALL, CareEndReason::as_str, CareEndReason::LIST);
        same(MeasureKind::ALL, MeasureKind::as_str, MeasureKind::LIST);
        same(MeasureEndReason::ALL, MeasureEndReason::as_str, MeasureEndReason::LIST);
        same(ReportKind::ALL, ReportKind::as_str, ReportKind::LIST);
        same(Moment::ALL, Moment::as_str, Moment::LIST);
        same(OffenceSeverity::ALL, OffenceSeverity::as_str, OffenceSeverity::LIST);
        same(OffenceSettlement::ALL, OffenceSettlement::as_str, OffenceSettlement::LIST);
        assert_eq!(CareForm::parse("foster_care"), Some(CareForm::FosterCare));
        assert_eq!(CareForm::parse("35"), None, "aliases are mapped at ingest");
        assert_eq!(MeasureKind::ProvisionalOts.full(), Some(MeasureKind::Ots));
    }
}
