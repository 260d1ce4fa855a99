//! Export ids: the store pseudonyms re-pseudonymised under an export key (docs/definitions.md §6.3), so a
//! published panel links neither to the store nor to another export made with another key.
//!
//! - `person` = `hex(HMAC-SHA-256(export key, "export-person:" + store person pseudonym))[..32]`;
//! - `household` = the same with `"export-household:" + store household pseudonym`; a person
//!   without a household on the index date is their own cluster, `"export-household:solo:" +
//!   store person pseudonym`.
//!
//! The export key must differ from the store's key (compared by fingerprint). Without a key
//! file a fresh random key is drawn and never written anywhere.

use std::sync::Arc;

use duckdb::Connection;
use duckdb::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use super::{PanelError, Result};
use crate::db::DuckContext;
use crate::pseudonym::{Key, Pseudonymizer};
use crate::sql::panel as q;

/// Domain of exported person ids.
pub const PERSON_DOMAIN: &str = "export-person";
/// Domain of exported household (cluster) ids.
pub const HOUSEHOLD_DOMAIN: &str = "export-household";

/// Refuse an export key equal to the store's key (same fingerprint).
pub fn check_key(key: &Key, store_fingerprint: &str, key_file: &std::path::Path) -> Result<()> {
    if key.fingerprint() == store_fingerprint {
        return Err(PanelError::StoreKey { file: key_file.to_owned() });
    }
    Ok(())
}

/// The export id of a store pseudonym in `domain`.
pub fn export_id(p: &Pseudonymizer, domain: &str, pseudonym: &str) -> String {
    p.pseudonym(domain, pseudonym)
}

/// Fill `panel_ids` for the published persons of `panel_qi`: export ids and the rank of the
/// person id (output order). Parallel over persons with rayon; the result does not depend on
/// the thread count (the rank is a sort of the ids).
pub fn fill(conn: &Connection, key: &Key) -> Result<u64> {
    let mut stmt = conn.prepare(q::IDS_INPUT).ctx("export ids")?;
    let batches: Vec<RecordBatch> = stmt.query_arrow([]).ctx("export ids")?.collect();
    let mut input: Vec<(String, String)> = Vec::new();
    for b in &batches {
        let col = |i: usize| b.column(i).as_any().downcast_ref::<StringArray>().ok_or(PanelError::Internal("ids"));
        let (persons, clusters) = (col(0)?, col(1)?);
        for i in 0..b.num_rows() {
            if persons.is_null(i) || clusters.is_null(i) {
                return Err(PanelError::Internal("a published person without id or cluster"));
            }
            input.push((persons.value(i).to_owned(), clusters.value(i).to_owned()));
        }
    }
    let p = key.pseudonymizer();
    let mut rows: Vec<(String, String, String)> = input
        .par_iter()
        .map(|(person, cluster)| {
            (export_id(&p, PERSON_DOMAIN, person), person.clone(), export_id(&p, HOUSEHOLD_DOMAIN, cluster))
        })
        .collect();
    rows.par_sort_unstable();
    let n = rows.len();
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("person", DataType::Utf8, false),
        Field::new("household", DataType::Utf8, false),
        Field::new("rank", DataType::Int64, false),
    ]));
    let mut app = conn.appender("panel_ids").ctx("export ids")?;
    for (c, chunk) in rows.chunks(65_536).enumerate() {
        let start = i64::try_from(c * 65_536).unwrap_or(i64::MAX);
        let cols: Vec<ArrayRef> = vec![
            Arc::new(chunk.iter().map(|r| Some(r.1.as_str())).collect::<StringArray>()),
            Arc::new(chunk.iter().map(|r| Some(r.0.as_str())).collect::<StringArray>()),
            Arc::new(chunk.iter().map(|r| Some(r.2.as_str())).collect::<StringArray>()),
            Arc::new((0..chunk.len()).map(|i| start + i64::try_from(i).unwrap_or(0)).collect::<Int64Array>()),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|_| PanelError::Internal("ids batch"))?;
        app.append_record_batch(batch).ctx("export ids")?;
    }
    app.flush().ctx("export ids")?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};

    #[test]
    fn export_id_is_hmac_of_the_documented_message() {
        let key = [9u8; 32];
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
        mac.update(b"export-person:0123456789abcdef0123456789abcdef");
        let want = hex::encode(&mac.finalize().into_bytes()[..16]);
        let p = Key::from_bytes(key).pseudonymizer();
        assert_eq!(export_id(&p, PERSON_DOMAIN, "0123456789abcdef0123456789abcdef"), want);
        assert_eq!(want.len(), 32);
    }

    #[test]
    fn the_store_key_is_refused() {
        let k = Key::from_bytes([1; 32]);
        let e = check_key(&k, &k.fingerprint(), std::path::Path::new("x.key")).unwrap_err().to_string();
        assert!(e.contains("x.key"), "{e}");
        assert!(check_key(&k, &Key::from_bytes([2; 32]).fingerprint(), std::path::Path::new("x.key")).is_ok());
    }
}
