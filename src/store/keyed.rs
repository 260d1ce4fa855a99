//! Reading a few persons' rows out of large per-bucket Parquet files: the `person_id` column is
//! decoded first and probed against a [`PersonKeys`] set, and the other columns are decoded only
//! for the rows it selects. An incremental run reads a few percent of a bucket this way, where a
//! scan through DuckDB decodes every column of every row.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use duckdb::arrow::array::{Array, AsArray, BooleanArray};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowPredicateFn, ParquetRecordBatchReaderBuilder, RowFilter};

use super::StoreError;

/// A set of person ids that is quick to probe while scanning millions of rows: 8 bytes of each
/// pseudonym (random hex, after the 8 characters the bucket comes from) as an integer, hashed
/// by a multiply. A hit may be another person with the same 8 bytes: readers look the persons
/// up exactly afterwards.
#[derive(Debug, Default)]
pub struct PersonKeys(HashSet<u64, BuildHasherDefault<KeyHasher>>);

impl PersonKeys {
    /// The keys of `ids`.
    pub fn of<'i>(ids: impl IntoIterator<Item = &'i String>) -> Self {
        PersonKeys(ids.into_iter().map(|id| key(id)).collect())
    }

    /// Whether `id` may be in the set (false: it is not).
    pub fn may_contain(&self, id: &str) -> bool {
        self.0.contains(&key(id))
    }
}

/// The probe key of an id: bytes 8..16 (the whole id, folded, when it is shorter).
fn key(id: &str) -> u64 {
    let b = id.as_bytes();
    match b.get(8..16).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
        Some(k) => u64::from_le_bytes(k),
        None => b.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &c| (h ^ u64::from(c)).wrapping_mul(0x100_0000_01b3)),
    }
}

/// A hasher for keys that are spread already: one multiply.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The Parquet files of a folder, sorted (none when it does not exist).
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut files = Vec::new();
    for e in entries {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "parquet") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `columns` of the rows of `files` whose `person_id` may be in `keys` (see [`PersonKeys`]),
/// in file order; the batches have the files' column order.
pub fn read_keyed(files: &[PathBuf], columns: &[&str], keys: &Arc<PersonKeys>) -> Result<Vec<RecordBatch>, StoreError> {
    let fail = |path: &Path, source: parquet::errors::ParquetError| StoreError::Parquet { path: path.to_owned(), source };
    let mut out = Vec::new();
    for path in files {
        let file = fs_err::File::open(path)?.into_parts().0;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(path, e))?;
        let parquet_schema = builder.parquet_schema();
        let mask = ProjectionMask::columns(parquet_schema, columns.iter().copied());
        let keys = Arc::clone(keys);
        let keep = ArrowPredicateFn::new(ProjectionMask::columns(parquet_schema, ["person_id"]), move |b: RecordBatch| {
            let col = b
                .column(0)
                .as_string_opt::<i32>()
                .ok_or_else(|| ArrowError::SchemaError("person_id is not a text column".to_owned()))?;
            let hits: Vec<bool> = (0..col.len()).map(|i| col.is_valid(i) && keys.may_contain(col.value(i))).collect();
            Ok(BooleanArray::from(hits))
        });
        let reader = builder
            .with_projection(mask)
            .with_row_filter(RowFilter::new(vec![Box::new(keep)]))
            .with_batch_size(65_536)
            .build()
            .map_err(|e| fail(path, e))?;
        for batch in reader {
            out.push(batch.map_err(|e| fail(path, e.into()))?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_find_every_member_and_few_others() {
        let ids: Vec<String> = (0..1000).map(|i| format!("{:032x}", u128::from(i as u32) * 0x9e37_79b9_7f4a_7c15_f39c)).collect();
        let keys = PersonKeys::of(ids.iter().take(500));
        assert!(ids[..500].iter().all(|id| keys.may_contain(id)));
        let strays = ids[500..].iter().filter(|id| keys.may_contain(id)).count();
        assert!(strays < 5, "{strays} false hits");
        assert!(PersonKeys::of(["short".to_owned()].iter()).may_contain("short"));
    }
}
