-- Lists a cohort definition filters on, filled by kohort.
CREATE OR REPLACE TEMP TABLE cohort_forms (care_form VARCHAR);
CREATE OR REPLACE TEMP TABLE cohort_munis (municipality VARCHAR);
CREATE OR REPLACE TEMP TABLE cohort_sites (site VARCHAR);
CREATE OR REPLACE TEMP TABLE cohort_providers (provider_id VARCHAR);
CREATE OR REPLACE TEMP TABLE cohort_referrers (referrer VARCHAR);
CREATE OR REPLACE TEMP TABLE cohort_programmes (programme VARCHAR);
