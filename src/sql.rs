//! The SQL of kohort, loaded by name from `sql/`.

/// Views over the current store version (`sql/views.sql`).
pub const VIEWS: &str = include_str!("../sql/views.sql");
/// The offences view over the store's offences files.
pub const VIEWS_OFFENCES: &str = include_str!("../sql/views_offences.sql");
/// The offences view of a store written before offences existed: no rows, the same columns.
pub const VIEWS_OFFENCES_ABSENT: &str = include_str!("../sql/views_offences_absent.sql");
/// The questionnaire view over the store's questionnaire files.
pub const VIEWS_QUESTIONNAIRE: &str = include_str!("../sql/views_questionnaire.sql");
/// The questionnaire view of a store written before the table existed: no rows, the same columns.
pub const VIEWS_QUESTIONNAIRE_ABSENT: &str = include_str!("../sql/views_questionnaire_absent.sql");
/// Whether the care_episodes view has the `programme` column.
pub const CARE_HAS_PROGRAMME: &str = include_str!("../sql/care_has_programme.sql");
/// The care_episodes view of a store written before `programme` existed (an empty column).
pub const VIEWS_CARE_PROGRAMME_ABSENT: &str = include_str!("../sql/views_care_programme_absent.sql");

/// Views over an outcome run's result tables: base files, and the deltas of incremental runs.
pub mod results {
    /// The view, with its body.
    pub const VIEW: &str = include_str!("../sql/results/view.sql");
    /// Body: the base files.
    pub const BASE: &str = include_str!("../sql/results/base.sql");
    /// Body: the base files without the superseded persons.
    pub const BASE_LIVE: &str = include_str!("../sql/results/base_live.sql");
    /// Body: the delta files.
    pub const DELTA: &str = include_str!("../sql/results/delta.sql");
    /// `reentry_windows`, a view over `reentry` (not stored).
    pub const REENTRY_WINDOWS: &str = include_str!("../sql/results/reentry_windows.sql");
    /// `safety_windows`, a view over `safety` (not stored).
    pub const SAFETY_WINDOWS: &str = include_str!("../sql/results/safety_windows.sql");
    /// `safety_household_windows`, a view over `safety_household` (not stored).
    pub const SAFETY_HOUSEHOLD_WINDOWS: &str = include_str!("../sql/results/safety_household_windows.sql");
    /// `safety_household_windows` of a run of results format 3 or earlier (stored rows).
    pub const SAFETY_HOUSEHOLD_WINDOWS_STORED: &str =
        include_str!("../sql/results/safety_household_windows_stored.sql");
    /// `monthly_states`, a view over `escalation` and `transitions` (not stored).
    pub const MONTHLY_STATES: &str = include_str!("../sql/results/monthly_states.sql");
}

/// Store figures shown by `kohort demo`.
pub const DEMO_FIGURES: &str = include_str!("../sql/demo_figures.sql");
/// Care episodes per care form, shown by `kohort demo`.
pub const DEMO_CARE_FORMS: &str = include_str!("../sql/demo_care_forms.sql");

/// Ingest: the cross-row validation rules and the store export.
pub mod ingest {
    /// A staging table.
    pub const STAGING_TABLE: &str = include_str!("../sql/ingest/staging_table.sql");
    /// The cross-row quarantine of a table.
    pub const QUARANTINE_TABLE: &str = include_str!("../sql/ingest/quarantine_table.sql");
    /// Rows of the cross-row quarantine.
    pub const QUARANTINE_ROWS: &str = include_str!("../sql/ingest/quarantine_rows.sql");
    /// Accepted rows of a table.
    pub const ACCEPTED_COUNT: &str = include_str!("../sql/ingest/accepted_count.sql");
    /// The table of changed persons.
    pub const CHANGED_SETUP: &str = include_str!("../sql/ingest/changed_setup.sql");
    /// The changed persons, sorted.
    pub const CHANGED_LIST: &str = include_str!("../sql/ingest/changed_list.sql");
    /// `duplicate_id`.
    pub const DUPLICATES: &str = include_str!("../sql/ingest/duplicates.sql");
    /// `dangling_reference`.
    pub const DANGLING: &str = include_str!("../sql/ingest/dangling.sql");
    /// `own_ancestor`, step 1: the relations to search.
    pub const LINEAGE_SETUP: &str = include_str!("../sql/ingest/lineage_setup.sql");
    /// `own_ancestor`, step 2: peel relations that cannot lie on a cycle.
    pub const LINEAGE_PEEL: &str = include_str!("../sql/ingest/lineage_peel.sql");
    /// `own_ancestor`, step 3.
    pub const OWN_ANCESTOR: &str = include_str!("../sql/ingest/own_ancestor.sql");
    /// `after_extracted_on`.
    pub const AFTER_EXTRACTED: &str = include_str!("../sql/ingest/after_extracted.sql");
    /// `before_birth`.
    pub const BEFORE_BIRTH: &str = include_str!("../sql/ingest/before_birth.sql");
    /// `after_death`.
    pub const AFTER_DEATH: &str = include_str!("../sql/ingest/after_death.sql");
    /// The accepted rows of a table.
    pub const ACCEPTED_VIEW: &str = include_str!("../sql/ingest/accepted_view.sql");
    /// Accepted rows as written to the store.
    pub const EXPORT: &str = include_str!("../sql/ingest/export.sql");
    /// Changed persons, first delivery of a source.
    pub const CHANGED_FIRST: &str = include_str!("../sql/ingest/changed_first.sql");
    /// Changed persons against the source's previous delivery.
    pub const CHANGED: &str = include_str!("../sql/ingest/changed.sql");
    /// Changed persons of a table no longer delivered.
    pub const CHANGED_DROPPED: &str = include_str!("../sql/ingest/changed_dropped.sql");
    /// Every person of a source whose data end moved.
    pub const CHANGED_DATA_END: &str = include_str!("../sql/ingest/changed_data_end.sql");
    /// Whole-table fingerprint.
    pub const TABLE_FINGERPRINT: &str = include_str!("../sql/ingest/table_fingerprint.sql");
    /// Persons with conflicting birth date or sex across sources.
    pub const PERSON_CONFLICTS: &str = include_str!("../sql/ingest/person_conflicts.sql");
    /// Person conflicts of a new version from the previous version's.
    pub const PERSON_CONFLICTS_SINCE: &str = include_str!("../sql/ingest/person_conflicts_since.sql");
    /// The previous conflicts kept, a part of [`PERSON_CONFLICTS_SINCE`].
    pub const PERSON_CONFLICTS_KEPT: &str = include_str!("../sql/ingest/person_conflicts_kept.sql");
    /// The previous conflicts unchanged.
    pub const PERSON_CONFLICTS_COPY: &str = include_str!("../sql/ingest/person_conflicts_copy.sql");
    /// A kept table of the source staged from its store files.
    pub const STAGE_KEPT: &str = include_str!("../sql/ingest/stage_kept.sql");
    /// A restored table's rows, for the change list of a withdrawal.
    pub const RESTORED_TABLE: &str = include_str!("../sql/ingest/restored_table.sql");
    /// The data ends of persons rows.
    pub const DATA_ENDS: &str = include_str!("../sql/ingest/data_ends.sql");
}

/// Reading one bucket's timelines from the store views.
pub mod timelines {
    /// The folders a store connection reads from (the store version first).
    pub const SEARCH_PATH: &str = include_str!("../sql/timelines/search_path.sql");
    /// Persons of a bucket.
    pub const PERSONS: &str = include_str!("../sql/timelines/persons.sql");
    /// Persons of a bucket that holds one source (no cross-source rule needed).
    pub const PERSONS_ONE_SOURCE: &str = include_str!("../sql/timelines/persons_one_source.sql");
    /// Every person of a bucket.
    pub const PERSONS_ALL: &str = include_str!("../sql/timelines/persons_all.sql");
    /// Every person of a bucket that holds one source.
    pub const PERSONS_ALL_ONE_SOURCE: &str = include_str!("../sql/timelines/persons_all_one_source.sql");
    /// Number of files of one table and bucket.
    pub const BUCKET_FILES: &str = include_str!("../sql/timelines/bucket_files.sql");
    /// Care episodes of a bucket.
    pub const CARE_EPISODES: &str = include_str!("../sql/timelines/care_episodes.sql");
    /// Care episodes of a bucket, dates and care form only.
    pub const CARE_EPISODE_DATES: &str = include_str!("../sql/timelines/care_episode_dates.sql");
    /// Measures of a bucket.
    pub const MEASURES: &str = include_str!("../sql/timelines/measures.sql");
    /// Safety reports of a bucket.
    pub const SAFETY_REPORTS: &str = include_str!("../sql/timelines/safety_reports.sql");
    /// Measurements of a bucket.
    pub const MEASUREMENTS: &str = include_str!("../sql/timelines/measurements.sql");
}

/// Outcome summaries and curve inputs over the result tables of a run.
pub mod outcomes {
    /// Re-entry times and causes.
    pub const REENTRY_TIMES: &str = include_str!("../sql/outcomes/reentry_times.sql");
    /// Fixed-window percentages of every outcome of the current run.
    pub const SUMMARY: &str =
        concat!(include_str!("../sql/outcomes/window_counts.sql"), include_str!("../sql/outcomes/summary.sql"));
    /// Fixed-window percentages from a table `window_counts` of counted statuses (what
    /// `kohort outcomes --summary-only` counts: [`crate::outcomes::tally`]).
    pub const SUMMARY_OF_COUNTS: &str = include_str!("../sql/outcomes/summary.sql");
    /// Field indicators of the current run.
    pub const INDICATORS: &str =
        concat!(include_str!("../sql/outcomes/indicator_counts.sql"), include_str!("../sql/outcomes/indicators.sql"));
    /// Field indicators from a table `indicator_counts` of counts.
    pub const INDICATORS_OF_COUNTS: &str = include_str!("../sql/outcomes/indicators.sql");
    /// The tables of counts of a summary counted without a run.
    pub const COUNT_TABLES: &str = include_str!("../sql/outcomes/count_tables.sql");
    /// A row of `window_counts`.
    pub const WINDOW_COUNTS_INSERT: &str = include_str!("../sql/outcomes/window_counts_insert.sql");
    /// A row of `indicator_counts`.
    pub const INDICATOR_COUNTS_INSERT: &str = include_str!("../sql/outcomes/indicator_counts_insert.sql");
    /// Persons in the store.
    pub const PERSONS_IN_STORE: &str = include_str!("../sql/outcomes/persons_in_store.sql");
    /// Persons in a store of one source (no two rows of one person).
    pub const PERSONS_IN_ONE_SOURCE: &str = include_str!("../sql/outcomes/persons_in_one_source.sql");
    /// Shares over complete windows (how scenarios state planted truths).
    pub const COMPLETE_WINDOWS: &str = include_str!("../sql/outcomes/complete_windows.sql");
    /// Household view: the report indexes it reads.
    pub const HOUSEHOLD_INDEXES: &str = include_str!("../sql/outcomes/household_indexes.sql");
    /// Household view: the reports that name a household.
    pub const HOUSEHOLD_REPORTS: &str = include_str!("../sql/outcomes/household_reports.sql");
    /// Household view, incremental: the recomputed children's rows (filled by kohort).
    pub const HOUSEHOLD_RECOMPUTED: &str = include_str!("../sql/outcomes/household_recomputed.sql");
    /// Household view, incremental: the changed persons.
    pub const HOUSEHOLD_SETUP: &str = include_str!("../sql/outcomes/household_setup.sql");
    /// Household view, incremental: the previous run's superseded persons.
    pub const HOUSEHOLD_PREVIOUS_SUPERSEDED: &str = include_str!("../sql/outcomes/household_previous_superseded.sql");
    /// Household view, incremental: the previous run's delta rows.
    pub const HOUSEHOLD_PREVIOUS_DELTA: &str = include_str!("../sql/outcomes/household_previous_delta.sql");
    /// Household view, incremental: the previous run's rows of the changed persons.
    pub const HOUSEHOLD_PREVIOUS_CHANGED: &str = include_str!("../sql/outcomes/household_previous_changed.sql");
    /// Household view: the safety rows it reads, all of them.
    pub const HOUSEHOLD_SAFETY: &str = include_str!("../sql/outcomes/household_safety.sql");
    /// Household view in a run without the safety family: none (an empty table, unread).
    pub const HOUSEHOLD_SAFETY_NONE: &str = include_str!("../sql/outcomes/household_safety_none.sql");
    /// Household view, incremental: those of the recomputed children.
    pub const HOUSEHOLD_SAFETY_AFFECTED: &str = include_str!("../sql/outcomes/household_safety_affected.sql");
    /// Household view, incremental: those of the recomputed children, from the deltas.
    pub const HOUSEHOLD_SAFETY_DELTA: &str = include_str!("../sql/outcomes/household_safety_delta.sql");
    /// Household view, incremental: the children to recompute.
    pub const HOUSEHOLD_AFFECTED: &str = include_str!("../sql/outcomes/household_affected.sql");
    /// Household view, incremental: whether the children's safety rows are all in the deltas.
    pub const HOUSEHOLD_IN_DELTA: &str = include_str!("../sql/outcomes/household_in_delta.sql");
    /// Household view, incremental: the new delta.
    pub const HOUSEHOLD_DELTA: &str = include_str!("../sql/outcomes/household_delta.sql");
    /// Household view, incremental: the superseded children.
    pub const HOUSEHOLD_SUPERSEDED: &str = include_str!("../sql/outcomes/household_superseded.sql");
    /// Measure durations.
    pub const MEASURE_DURATIONS: &str = include_str!("../sql/outcomes/measure_durations.sql");
    /// Time to recidivism after youth probation (template: `{{time}}`, `{{t}}` columns).
    pub const RECIDIVISM_TIMES: &str = include_str!("../sql/outcomes/recidivism_times.sql");
    /// Persons changed since a run (incremental runs).
    pub const CHANGED_PERSONS: &str = include_str!("../sql/outcomes/changed_persons.sql");
}

/// Intergenerational linkage over a run's `person_summary` and the store's `relations`.
pub mod linkage {
    /// The relation kinds table.
    pub const KINDS: &str = include_str!("../sql/linkage/kinds.sql");
    /// G2 children with exposures and outcomes.
    pub const G2: &str = include_str!("../sql/linkage/g2.sql");
    /// The G2 table in long form (one row per outcome variant), a view.
    pub const LONG: &str = include_str!("../sql/linkage/long.sql");
    /// The scope of the linkage tables without a cohort (every G2 row, every heavy parent).
    pub const SCOPE_ALL: &str = include_str!("../sql/linkage/scope_all.sql");
    /// The members of a cohort restricting the linkage tables.
    pub const SCOPE_COHORT: &str = include_str!("../sql/linkage/scope_cohort.sql");
    /// The scope of a cohort of children.
    pub const SCOPE_CHILDREN: &str = include_str!("../sql/linkage/scope_children.sql");
    /// The scope of a cohort of parents.
    pub const SCOPE_PARENTS: &str = include_str!("../sql/linkage/scope_parents.sql");
    /// What a cohort restriction kept, per relation kind.
    pub const SCOPE_LINKED: &str = include_str!("../sql/linkage/scope_linked.sql");
    /// Risks and risk ratios.
    pub const RISK: &str = include_str!("../sql/linkage/risk.sql");
    /// The links of heavily exposed parents (a temp table).
    pub const HEAVY_LINKS: &str = include_str!("../sql/linkage/heavy_links.sql");
    /// Resilience of heavily exposed parents.
    pub const RESILIENCE: &str = include_str!("../sql/linkage/resilience.sql");
    /// Three generations.
    pub const CHAIN: &str = include_str!("../sql/linkage/chain.sql");
    /// Curve input by age.
    pub const CURVE_INPUT: &str = include_str!("../sql/linkage/curve_input.sql");
    /// COPY of a large linkage table to Parquet.
    pub const COPY_PARQUET: &str = include_str!("../sql/linkage/copy_parquet.sql");
    /// A view on a cohort's linkage table (templates: view name, file).
    pub const COHORT_VIEW: &str = include_str!("../sql/linkage/cohort_view.sql");
    /// Printed risk summary (template: the table).
    pub const SUMMARY_RISK: &str = include_str!("../sql/linkage/summary_risk.sql");
    /// Printed resilience summary (template: the table).
    pub const SUMMARY_RESILIENCE: &str = include_str!("../sql/linkage/summary_resilience.sql");
}

/// Publication exports.
pub mod export {
    /// The study tables to publish as table `input`, with the columns older tables lack.
    pub const INPUT: &str = include_str!("../sql/export/input.sql");
    /// Study tables to publish, numbered.
    pub const READ_TABLES: &str = include_str!("../sql/export/read_tables.sql");
    /// The suppression pattern table.
    pub const PATTERN: &str = include_str!("../sql/export/pattern.sql");
    /// The published rows (table `published`).
    pub const TABLES_OUT: &str = include_str!("../sql/export/tables_out.sql");
    /// The published rows with their benchmarks, in order.
    pub const TABLES_OUT_ROWS: &str = include_str!("../sql/export/tables_out_rows.sql");
    /// The median category of providers per family from the published rows (issue 16).
    pub const PROVIDER_MEDIANS: &str = include_str!("../sql/export/provider_medians.sql");
    /// Survival tables to publish.
    pub const READ_SURVIVAL: &str = include_str!("../sql/export/read_survival.sql");
    /// Linkage export: the parent-child links that make families.
    pub const LINKAGE_LINKS: &str = include_str!("../sql/export/linkage_links.sql");
    /// Linkage export: the families table and the relation kinds.
    pub const LINKAGE_SETUP: &str = include_str!("../sql/export/linkage_setup.sql");
    /// Linkage export: the count cells with persons and families.
    pub const LINKAGE_CELLS: &str = include_str!("../sql/export/linkage_cells.sql");
    /// Linkage export: curve input with families.
    pub const LINKAGE_CURVES: &str = include_str!("../sql/export/linkage_curves.sql");
}

/// Cohort definitions: entry events and the rules, step by step (`crate::cohort`).
pub mod cohort {
    /// Lists the definition filters on.
    pub const SETUP: &str = include_str!("../sql/cohort/setup.sql");
    /// The activity filter's direction (`$1` exclude).
    pub const ACTIVITY: &str = include_str!("../sql/cohort/activity.sql");
    /// Entry events by kind.
    pub const ENTRY: &str = include_str!("../sql/cohort/entry.sql");
    /// Entry events of each kind (`{{events}}` of [`ENTRY`]).
    pub mod entry {
        /// First spell.
        pub const FIRST_SPELL: &str = include_str!("../sql/cohort/entry/first_spell.sql");
        /// Any spell.
        pub const ANY_SPELL: &str = include_str!("../sql/cohort/entry/any_spell.sql");
        /// Spell of a minimum level (`$1`).
        pub const SPELL_OF_LEVEL: &str = include_str!("../sql/cohort/entry/spell_of_level.sql");
        /// Spell of listed care forms.
        pub const SPELL_OF_FORM: &str = include_str!("../sql/cohort/entry/spell_of_form.sql");
        /// Safety report.
        pub const SAFETY_REPORT: &str = include_str!("../sql/cohort/entry/safety_report.sql");
        /// Measure start.
        pub const MEASURE_START: &str = include_str!("../sql/cohort/entry/measure_start.sql");
        /// Birth.
        pub const BIRTH: &str = include_str!("../sql/cohort/entry/birth.sql");
        /// A spell during which an activity was received (or, with exclude, not).
        pub const ACTIVITY: &str = include_str!("../sql/cohort/entry/activity.sql");
    }
    /// Whether a view exists.
    pub const HAS_VIEW: &str = include_str!("../sql/cohort/has_view.sql");
    /// An empty `spells` stand-in for entries that do not read spells, without an outcome run.
    pub const NO_SPELLS: &str = include_str!("../sql/cohort/no_spells.sql");
    /// Entry events from the user's SQL.
    pub const ENTRY_SQL: &str = include_str!("../sql/cohort/entry_sql.sql");
    /// Entry date range.
    pub const DATE_RANGE: &str = include_str!("../sql/cohort/date_range.sql");
    /// Age at entry.
    pub const AGE: &str = include_str!("../sql/cohort/age.sql");
    /// Region at entry.
    pub const REGION: &str = include_str!("../sql/cohort/region.sql");
    /// Site rule: the person's site is one of the listed.
    pub const SITE: &str = include_str!("../sql/cohort/site.sql");
    /// Washout.
    pub const WASHOUT: &str = include_str!("../sql/cohort/washout.sql");
    /// First index per person.
    pub const FIRST: &str = include_str!("../sql/cohort/first.sql");
    /// Persons and events remaining.
    pub const COUNT: &str = include_str!("../sql/cohort/count.sql");
    /// Members with exit dates.
    pub const MEMBERS: &str = include_str!("../sql/cohort/members.sql");
}

/// Studies: index rows of every outcome, their counts and the tidy tables (`crate::study`).
pub mod study {
    /// The cells of a comparison of activities from a tables file. params: the file.
    pub const COMPARISON_CELLS: &str = include_str!("../sql/study/comparison_cells.sql");
    /// The comparison table, filled by kohort.
    pub const COMPARISON_TABLE: &str = include_str!("../sql/study/comparison_table.sql");
    /// The comparison table as written.
    pub const COMPARISON_OUT: &str = include_str!("../sql/study/comparison_out.sql");
    /// The activities of a comparison file. params: the file.
    pub const COMPARISON_ACTIVITIES: &str = include_str!("../sql/study/comparison_activities.sql");
    /// Study inputs, macros and the helper views of the outcome rows.
    pub const SETUP: &str = include_str!("../sql/study/setup.sql");
    /// The study's settings row. params: period kind, from, to, cohort date, standard year, parent year.
    pub const SETTINGS: &str = include_str!("../sql/study/settings.sql");
    /// A cohort and its top level.
    pub const COHORT: &str = include_str!("../sql/study/cohort.sql");
    /// The members of the cohort just built.
    pub const MEMBERS_FROM_COHORT: &str = include_str!("../sql/study/members_from_cohort.sql");
    /// The years of the population table.
    pub const POPULATION_YEARS: &str = include_str!("../sql/study/population_years.sql");
    /// The store's data end.
    pub const DATA_END: &str = include_str!("../sql/study/data_end.sql");
    /// The years the tables need from the data: standard, class and parent year.
    pub const SETTINGS_YEARS: &str = include_str!("../sql/study/settings_years.sql");
    /// One outcome's index rows in a monitor study (template over a units file).
    pub const UNITS_MONITOR: &str = include_str!("../sql/study/units_monitor.sql");
    /// One outcome's index rows in a cohort study (template over a units file).
    pub const UNITS_COHORT: &str = include_str!("../sql/study/units_cohort.sql");
    /// The study rows: index rows dated and placed.
    pub const ROWS: &str = include_str!("../sql/study/rows.sql");
    /// The family indexes and their members (issue 16, docs/definitions.md §4.8.5).
    pub const FAMILY_INDEX: &str = include_str!("../sql/study/family_index.sql");
    /// The family index's settings row: $1 the kind of index, $2 the safety age limit, $3 the
    /// same-incident days.
    pub const FAMILY_SETTINGS: &str = include_str!("../sql/study/family_settings.sql");
    /// Drop the index rows once placed.
    pub const DROP_UNITS: &str = include_str!("../sql/study/drop_units.sql");
    /// The counts of one split over study rows.
    pub const ATOMS_SPLIT: &str = include_str!("../sql/study/atoms_split.sql");
    /// The survival counts over study rows.
    pub const KM_ATOMS: &str = include_str!("../sql/study/km_atoms.sql");
    /// The rate counts over rate rows.
    pub const RATE_ATOMS: &str = include_str!("../sql/study/rate_atoms.sql");
    /// A table of counts from every row.
    pub const ATOMS_CREATE: &str = include_str!("../sql/study/atoms_create.sql");
    /// A table of counts updated for the changed persons.
    pub const ATOMS_UPDATE: &str = include_str!("../sql/study/atoms_update.sql");
    /// The population, once per key.
    pub const POPULATION: &str = include_str!("../sql/study/population.sql");
    /// Groups of comparable municipalities per period.
    pub const GROUPS: &str = include_str!("../sql/study/groups.sql");
    /// The cells: counts rolled up to the region levels.
    pub const CELLS: &str = include_str!("../sql/study/cells.sql");
    /// Proportion and category figures.
    pub const FIGURES: &str = include_str!("../sql/study/figures.sql");
    /// The grid of the rate outcomes.
    pub const RATE_GRID: &str = include_str!("../sql/study/rate_grid.sql");
    /// One split of the rate grid.
    pub const RATE_SPLIT: &str = include_str!("../sql/study/rate_split.sql");
    /// Rate figures with age-standardised rates.
    pub const RATE_FIGURES: &str = include_str!("../sql/study/rate_figures.sql");
    /// The rows before the benchmarks.
    pub const TABLES: &str = include_str!("../sql/study/tables.sql");
    /// The macros of the benchmark flags.
    pub const BENCHMARK_MACROS: &str = include_str!("../sql/study/benchmark_macros.sql");
    /// The benchmark columns of a table of rows, by row (`row_benchmarks`).
    pub const BENCHMARKS: &str = include_str!("../sql/study/benchmarks.sql");
    /// A table's rows with their benchmark columns.
    pub const BENCHMARKED: &str = include_str!("../sql/study/benchmarked.sql");
    /// Free the benchmark columns.
    pub const DROP_BENCHMARKS: &str = include_str!("../sql/study/drop_benchmarks.sql");
    /// The tables as written.
    pub const OUTPUT: &str = include_str!("../sql/study/output.sql");
    /// The survival counts rolled up by curve.
    pub const KM_CELLS: &str = include_str!("../sql/study/km_cells.sql");
    /// The survival curves, numbered.
    pub const KM_CURVES: &str = include_str!("../sql/study/km_curves.sql");
    /// The survival counts by curve number.
    pub const KM_INPUT: &str = include_str!("../sql/study/km_input.sql");
    /// The changed persons of an incremental run.
    pub const CHANGED_SETUP: &str = include_str!("../sql/study/changed_setup.sql");
    /// Store views restricted to them.
    pub const CHANGED_VIEWS: &str = include_str!("../sql/study/changed_views.sql");
    /// Their offences (a store with the offences folder).
    pub const CHANGED_OFFENCES: &str = include_str!("../sql/study/changed_offences.sql");
    /// Their residence.
    pub const CHANGED_RESIDENCE: &str = include_str!("../sql/study/changed_residence.sql");
    /// Their care episodes.
    pub const CHANGED_CARE: &str = include_str!("../sql/study/changed_care.sql");
    /// The changed persons of the change lists.
    pub const CHANGED_LISTS: &str = include_str!("../sql/study/changed_lists.sql");
    /// The same for change lists without table names.
    pub const CHANGED_LISTS_UNTYPED: &str = include_str!("../sql/study/changed_lists_untyped.sql");
    /// Whether change lists name tables.
    pub const CHANGES_TYPED: &str = include_str!("../sql/study/changes_typed.sql");
    /// A result view restricted to them.
    pub const CHANGED_RESULT_VIEW: &str = include_str!("../sql/study/changed_result_view.sql");
    /// A result view without rows.
    pub const EMPTY_RESULT_VIEW: &str = include_str!("../sql/study/empty_result_view.sql");
    /// The changed persons' previous rows of a cached table.
    pub const CACHE_OLD_ROWS: &str = include_str!("../sql/study/cache_old_rows.sql");
    /// A cached table's new delta.
    pub const CACHE_DELTA: &str = include_str!("../sql/study/cache_delta.sql");
    /// The cache's new superseded persons.
    pub const CACHE_SUPERSEDED: &str = include_str!("../sql/study/cache_superseded.sql");
    /// A study table, for the cache.
    pub const CACHE_TABLE: &str = include_str!("../sql/study/cache_table.sql");
    /// No rows of a study table.
    pub const CACHE_EMPTY: &str = include_str!("../sql/study/cache_empty.sql");
    /// No superseded persons.
    pub const CACHE_EMPTY_SUPERSEDED: &str = include_str!("../sql/study/cache_empty_superseded.sql");
    /// Persons of the study rows.
    pub const CACHE_PERSONS: &str = include_str!("../sql/study/cache_persons.sql");
    /// The per-person rows dropped once counted.
    pub const DROP_ROWS: &str = include_str!("../sql/study/drop_rows.sql");
    /// The table of the added periods' rate rows.
    pub const CACHE_ADDED_CREATE: &str = include_str!("../sql/study/cache_added_create.sql");
    /// The added periods' rate rows of the unchanged persons join this run's rate rows.
    pub const CACHE_ADDED_INSERT: &str = include_str!("../sql/study/cache_added_insert.sql");

    /// The index rows of each outcome (`sql/study/units/<id>.sql`).
    pub mod units {
        /// Re-entry.
        pub const REENTRY: &str = include_str!("../sql/study/units/reentry.sql");
        /// Prior care.
        pub const PRIOR_CARE: &str = include_str!("../sql/study/units/prior_care.sql");
        /// Escalation.
        pub const ESCALATION: &str = include_str!("../sql/study/units/escalation.sql");
        /// De-escalation.
        pub const DEESCALATION: &str = include_str!("../sql/study/units/deescalation.sql");
        /// Transitions.
        pub const TRANSITIONS: &str = include_str!("../sql/study/units/transitions.sql");
        /// Re-report after a report.
        pub const REREPORT: &str = include_str!("../sql/study/units/rereport.sql");
        /// Re-report in the household.
        pub const REREPORT_HOUSEHOLD: &str = include_str!("../sql/study/units/rereport_household.sql");
        /// A protection measure for any child of the household (issue 16).
        pub const FAMILY_MEASURE: &str = include_str!("../sql/study/units/family_measure.sql");
        /// An out-of-home placement of any child of the household (issue 16).
        pub const FAMILY_OUT_OF_HOME: &str = include_str!("../sql/study/units/family_out_of_home.sql");
        /// A new report about any child of the household (issue 16).
        pub const FAMILY_REPORT: &str = include_str!("../sql/study/units/family_report.sql");
        /// Distinct providers involved with the household (issue 16).
        pub const FAMILY_PROVIDERS: &str = include_str!("../sql/study/units/family_providers.sql");
        /// Trust in the help 4 or 5 per household and period (questionnaire, issue 16).
        pub const TRUST_HIGH: &str = include_str!("../sql/study/units/trust_high.sql");
        /// Involvement in decisions 4 or 5 per household and period (questionnaire, issue 16).
        pub const INVOLVEMENT_HIGH: &str = include_str!("../sql/study/units/involvement_high.sql");
        /// Families in the period (a count).
        pub const FAMILIES: &str = include_str!("../sql/study/units/families.sql");
        /// Children of the families in the period (a count).
        pub const FAMILY_CHILDREN: &str = include_str!("../sql/study/units/family_children.sql");
        /// Safety reports in the period (a count).
        pub const REPORTS: &str = include_str!("../sql/study/units/reports.sql");
        /// Protection measure episodes starting in the period (a count).
        pub const MEASURES_IMPOSED: &str = include_str!("../sql/study/units/measures_imposed.sql");
        /// Report after a spell end.
        pub const REREPORT_AFTER_SPELL: &str = include_str!("../sql/study/units/rereport_after_spell.sql");
        /// Report after a measure end.
        pub const REREPORT_AFTER_MEASURE: &str = include_str!("../sql/study/units/rereport_after_measure.sql");
        /// Measure success.
        pub const MEASURE_SUCCESS: &str = include_str!("../sql/study/units/measure_success.sql");
        /// Measure duration.
        pub const MEASURE_DURATION: &str = include_str!("../sql/study/units/measure_duration.sql");
        /// Out of home during a measure.
        pub const OUT_OF_HOME_DURING_MEASURE: &str = include_str!("../sql/study/units/out_of_home_during_measure.sql");
        /// Regular ending.
        pub const REGULAR_ENDING: &str = include_str!("../sql/study/units/regular_ending.sql");
        /// Dropout.
        pub const DROPOUT: &str = include_str!("../sql/study/units/dropout.sql");
        /// External ending.
        pub const EXTERNAL_ENDING: &str = include_str!("../sql/study/units/external_ending.sql");
        /// Unknown ending.
        pub const UNKNOWN_ENDING: &str = include_str!("../sql/study/units/unknown_ending.sql");
        /// Goal attainment.
        pub const GOAL_ATTAINMENT: &str = include_str!("../sql/study/units/goal_attainment.sql");
        /// Satisfaction.
        pub const SATISFACTION: &str = include_str!("../sql/study/units/satisfaction.sql");
        /// Reliable change.
        pub const SEVERITY_REDUCED: &str = include_str!("../sql/study/units/severity_reduced.sql");
        /// Care use (an INSERT into the rate rows).
        pub const CARE_USE: &str = include_str!("../sql/study/units/care_use.sql");
        /// Care starts (an INSERT into the rate rows).
        pub const CARE_STARTS: &str = include_str!("../sql/study/units/care_starts.sql");
        /// Care stock (an INSERT into the rate rows).
        pub const CARE_STOCK: &str = include_str!("../sql/study/units/care_stock.sql");
        /// Recidivism after a youth probation measure.
        pub const RECIDIVISM: &str = include_str!("../sql/study/units/recidivism.sql");
        /// Delinquency risk reduced during a youth probation measure.
        pub const RISK_REDUCED: &str = include_str!("../sql/study/units/risk_reduced.sql");
    }
}

/// Person-period panels (`crate::panel`).
pub mod panel {
    /// Parameters, ladder, reference data, export ids and macros.
    pub const SETUP: &str = include_str!("../sql/panel/setup.sql");
    /// The parameters row.
    pub const SETTINGS: &str = include_str!("../sql/panel/settings.sql");
    /// Persons entering k-anonymity.
    pub const QI_COUNT: &str = include_str!("../sql/panel/qi_count.sql");
    /// The members: first index and exit per person (a template over the cohort's members SQL).
    pub const COHORT: &str = include_str!("../sql/panel/cohort.sql");
    /// Person-level values of the members with at least one period.
    pub const PEOPLE: &str = include_str!("../sql/panel/people.sql");
    /// The birth window of every record at both birth levels (rows kept, publishable or not).
    pub const BIRTH_WINDOW: &str = include_str!("../sql/panel/birth_window.sql");
    /// k-anonymity: the records before recoding.
    pub const KANON_INIT: &str = include_str!("../sql/panel/kanon_init.sql");
    /// k-anonymity: one recoding step.
    pub const KANON_STEP: &str = include_str!("../sql/panel/kanon_step.sql");
    /// k-anonymity: records (and their rows) a step touched.
    pub const KANON_HITS: &str = include_str!("../sql/panel/kanon_hits.sql");
    /// k-anonymity: records withheld after recoding (columns would narrow the birth year).
    pub const KANON_WITHHELD: &str = include_str!("../sql/panel/kanon_withheld.sql");
    /// The published classes: count and smallest sizes.
    pub const CLASSES: &str = include_str!("../sql/panel/classes.sql");
    /// Published persons and clusters, for the export ids.
    pub const IDS_INPUT: &str = include_str!("../sql/panel/ids_input.sql");
    /// Per-period care level, measure, care start and safety reports.
    pub const EVENTS: &str = include_str!("../sql/panel/events.sql");
    /// The published persons' person-level values, in output order.
    pub const PERSONS: &str = include_str!("../sql/panel/persons.sql");
    /// The number of published persons.
    pub const PUBLISHED: &str = include_str!("../sql/panel/published.sql");
    /// Every catalogue variable per person-period, for one range of ranks, in output order.
    pub const ROWS: &str = include_str!("../sql/panel/rows.sql");
    /// COPY of panel.parquet to CSV.
    pub const COPY_CSV: &str = include_str!("../sql/panel/copy_csv.sql");
    /// Spill folder.
    pub const TEMP_DIR: &str = include_str!("../sql/panel/temp_dir.sql");
    /// Member and row counts.
    pub const FIGURES: &str = include_str!("../sql/panel/figures.sql");
    /// What the birth window changed: dates coarsened, reasons merged, rows outside the window.
    pub const BIRTH_FIGURES: &str = include_str!("../sql/panel/birth_figures.sql");
    /// Per published person: quasi-identifiers, cluster, rows and sensitive summaries.
    pub const RISK_PERSONS: &str = include_str!("../sql/panel/risk_persons.sql");
    /// Disclosure-risk figures over the published classes.
    pub const RISK: &str = include_str!("../sql/panel/risk.sql");
}

/// Factsheets over a disclosure-controlled export.
pub mod factsheet {
    /// The export's rows with their row numbers (the cell ids of the pages).
    pub const READ_EXPORT: &str = include_str!("../sql/factsheet/read_export.sql");
}
