//! The PostgreSQL figures (`--postgres`): the stores of the SQLite figures
//! built on the server of `PMSG_TEST_DATABASE_URL`, each in a schema of its
//! own, and the figures only a server has: sends from 8 clients at once
//! (`pg_send_scaling_8`) beside the raw-PostgreSQL floor
//! (`pg_send_ratio`, [`crate::raw_pg_floor`]), and 4 delivery workers
//! claiming at once (`pg_claim_ms`). `pg_sweep_scaling`,
//! `pg_folder_first_ms` and `pg_search_ms` are the SQLite figures'
//! functions run on these stores ([`crate::figures`]).

use crate::figures::{self, Built, Setup};
use crate::raw_pg_floor::{self, SendRows};
use crate::report::{Report, Stats};
use crate::Res;
use pmsg_bench::pgstore;
use pmsg_bench::populate::{self, Scale};
use pmsg_bench::rng::Rng;
use pmsg_core::{Config, SendRequest, Store};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// The PostgreSQL figures, in output order.
pub const FIGURES: [&str; 6] = [
    "pg_send_ratio",
    "pg_send_scaling_8",
    "pg_claim_ms",
    "pg_folder_first_ms",
    "pg_search_ms",
    "pg_sweep_scaling",
];

/// The environment variable naming the database (as the tests').
pub const URL_VAR: &str = "PMSG_TEST_DATABASE_URL";

/// Concurrent clients of `pg_send_scaling_8`.
const CLIENTS: usize = 8;
/// Workers claiming at once in `pg_claim_ms`.
const WORKERS: usize = 4;
/// Events asked for by each claim.
const CLAIM_LIMIT: i64 = 100;
/// Lease of each claim; successive claim instants are a lease and a
/// second apart, so every claim of a round finds all events claimable.
const LEASE_SECONDS: i64 = 60;

/// The database URL when the PostgreSQL figures are to be measured, or
/// why they are skipped.
pub fn database(asked: bool) -> Result<String, String> {
    if !asked {
        return Err(format!(
            "PostgreSQL figures are measured with --postgres (a server at {URL_VAR}, e.g. \
             scripts/with-postgres)"
        ));
    }
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => Err(format!(
            "--postgres needs {URL_VAR}, the URL of a database the bench may create schemas \
             in (scripts/with-postgres sets it)"
        )),
    }
}

fn note(msg: &str) {
    eprintln!("pmsg-bench: {msg}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

/// The server's version, for the record.
pub fn server_version(base: &str) -> Res<String> {
    let mut c = pgstore::connect(base)?;
    Ok(c.query_one("SHOW server_version", &[])?.get(0))
}

/// The PostgreSQL store of `conversations` conversations for this seed, in
/// schema `pmsg_bench_{N}_seed{S}`: kept from an earlier run on the same
/// server when its manifest (on the schema) matches, built otherwise
/// through the library (the same generator as the file stores).
pub fn ensure_store(
    setup: &Setup,
    base: &str,
    conversations: u64,
    label: &str,
    rep: &mut Report,
) -> Res<Built> {
    let schema = format!("pmsg_bench_{conversations}_seed{}", setup.seed);
    let url = pgstore::with_schema(base, &schema);
    let kept = if setup.fresh {
        None
    } else {
        pgstore::manifest(&url).filter(|m| {
            m["generator"] == populate::GENERATOR_VERSION
                && m["conversations"] == conversations
                && m["seed"] == setup.seed
        })
    };
    let reused = kept.is_some();
    let manifest = match kept {
        Some(m) => m,
        None => {
            note(&format!(
                "building the {conversations}-conversation store in PostgreSQL schema {schema}"
            ));
            populate::populate(
                std::path::Path::new(&url),
                conversations,
                setup.seed,
                setup.progress,
            )?
        }
    };
    let c = &manifest["counts"];
    let info = |rep: &mut Report, key: &str, value: &serde_json::Value, unit: &str| {
        rep.info("", &format!("store_{label}_{key}"), value, unit);
    };
    info(rep, "conversations", &conversations.into(), "count");
    info(rep, "reused", &u8::from(reused).into(), "flag");
    rep.info(
        "",
        &format!("populate_{label}_s"),
        &manifest["populate_seconds"],
        "s",
    );
    for key in [
        "messages",
        "events",
        "events_pending",
        "events_acked",
        "billing_entries",
    ] {
        info(rep, key, &c[key], "count");
    }
    let mib = pgstore::size_bytes(&url)? as f64 / (1024.0 * 1024.0);
    rep.info(
        "",
        &format!("store_{label}_mib"),
        format!("{mib:.1}"),
        "MiB",
    );
    Ok(Built {
        path: PathBuf::from(url),
        manifest,
    })
}

/// The URL of a built PostgreSQL store.
fn url_of(b: &Built) -> Res<&str> {
    pgstore::url_of(&b.path).ok_or_else(|| "not a PostgreSQL store".into())
}

/// Timed sends and the conversations they created.
struct Sent {
    ms: Vec<f64>,
    ids: Vec<String>,
    /// Sends pmsg gave up on (a serialization conflict lost at each of
    /// its attempts) and the client sent again.
    gave_up: usize,
}

/// Sends one client may send again after pmsg gave up, before the figure
/// fails.
const MAX_RESENDS: usize = 50;

/// Whether pmsg gave up on an operation after losing a serialization
/// conflict at each of its attempts (R-ST1: `storage`, saying so).
fn gave_up(e: &pmsg_core::Error) -> bool {
    e.code() == "storage" && e.to_string().contains("serialization conflict")
}

/// `pg_send_ratio` and `pg_send_scaling_8`.
///
/// Two fresh schemas hold the directory of a 10k network (2,000 patients):
/// pmsg's store, and the floor ([`raw_pg_floor`]: the core's schema, no
/// pmsg). Three rounds, each: (1) one client: sends through pmsg, each
/// followed by the floor's insert of its rows (read back first, untimed);
/// (2) 8 clients (each its own `Store` handle, its own thread) sending at
/// once through pmsg; (3) 8 floor clients inserting those sends' rows at
/// once. One client's rate is sends over the summed time of the calls; 8
/// clients' is sends over the rounds' wall time (start to the last
/// client's end). A send pmsg gives up on (it lost a serialization
/// conflict at each of its attempts) is sent again by its client, as a
/// host would, inside the timing, and counted (`pg_send_8_gave_up`).
pub fn send(setup: &Setup, base: &str, rep: &mut Report) -> Res<()> {
    const WARMUP: usize = 20;
    const CLIENT_WARMUP: usize = 3;
    const ROUNDS: usize = 3;
    let (store_schema, floor_schema) = ("pmsg_bench_send", "pmsg_bench_send_floor");
    let store_url = pgstore::with_schema(base, store_schema);
    let floor_url = pgstore::with_schema(base, floor_schema);
    pgstore::drop_store(&store_url)?;
    let config = Config::default();
    let dir = populate::directory(&Scale::for_conversations(10_000), setup.seed);
    let store = Store::open(&store_url, &config)?;
    populate::write_directory(&store, &dir)?;
    let mut reader = pgstore::connect(&store_url)?;
    // A server's autovacuum keeps statistics; these tables are new.
    reader.batch_execute(
        "ANALYZE account, staff, workgroup, workgroup_member, patient, connection",
    )?;
    raw_pg_floor::create(&floor_url, store_schema)?;
    pgstore::connect(&floor_url)?.batch_execute(
        "ANALYZE account, staff, workgroup, workgroup_member, patient, connection",
    )?;

    let one_per_round = setup.sends.div_ceil(ROUNDS).max(1);
    let per_client_round = (2 * setup.sends).div_ceil(ROUNDS * CLIENTS).max(1);
    let mut rng = Rng::derive(setup.seed, u64::MAX - 2);
    let mut next = || populate::send_request(&mut rng, &dir);
    let start_ms = populate::start_instant().timestamp_millis();
    let clock = AtomicUsize::new(0);
    let at = || {
        let i = clock.fetch_add(1, Ordering::Relaxed);
        populate::instant(start_ms + 1_000 * i as i64)
    };

    // Warm-up: the single client and its floor, then every client.
    let mut floor = raw_pg_floor::open(&floor_url)?;
    for _ in 0..WARMUP {
        let out = store.send(&next(), at())?;
        raw_pg_floor::insert(
            &mut floor,
            &raw_pg_floor::capture(&mut reader, &out.conversation_id)?,
        )?;
    }
    let clients: Vec<Store> = (0..CLIENTS)
        .map(|_| Store::open(&store_url, &config))
        .collect::<Result<_, _>>()?;
    let mut floors: Vec<raw_pg_floor::Floor> = (0..CLIENTS)
        .map(|_| raw_pg_floor::open(&floor_url))
        .collect::<Result<_, _>>()?;
    let warm: Vec<Vec<SendRequest>> = (0..CLIENTS)
        .map(|_| (0..CLIENT_WARMUP).map(|_| next()).collect())
        .collect();
    let (warm_sent, _) = concurrent_sends(&clients, &warm, &at)?;
    let warm_rows = capture_all(&mut reader, &warm_sent)?;
    concurrent_inserts(&mut floors, &warm_rows)?;

    let (mut one_ms, mut one_floor_ms) = (Vec::new(), Vec::new());
    let (mut wall8, mut wall8_floor) = (0.0f64, 0.0f64);
    let (mut sends8, mut rows_total, mut rows_sends) = (0usize, 0usize, 0usize);
    let (mut gave_up8, mut ms8) = (0usize, Vec::new());
    for _ in 0..ROUNDS {
        for _ in 0..one_per_round {
            let req = next();
            let t = Instant::now();
            let out = store.send(&req, at())?;
            one_ms.push(ms(t.elapsed()));
            let rows = raw_pg_floor::capture(&mut reader, &out.conversation_id)?;
            let t = Instant::now();
            raw_pg_floor::insert(&mut floor, &rows)?;
            one_floor_ms.push(ms(t.elapsed()));
            rows_total += rows.row_count();
            rows_sends += 1;
        }
        let reqs: Vec<Vec<SendRequest>> = (0..CLIENTS)
            .map(|_| (0..per_client_round).map(|_| next()).collect())
            .collect();
        let (sent, wall) = concurrent_sends(&clients, &reqs, &at)?;
        wall8 += wall;
        sends8 += sent.iter().map(|s| s.ids.len()).sum::<usize>();
        gave_up8 += sent.iter().map(|s| s.gave_up).sum::<usize>();
        ms8.extend(sent.iter().flat_map(|s| s.ms.iter().copied()));
        let rows = capture_all(&mut reader, &sent)?;
        rows_total += rows
            .iter()
            .flatten()
            .map(SendRows::row_count)
            .sum::<usize>();
        rows_sends += rows.iter().map(Vec::len).sum::<usize>();
        wall8_floor += concurrent_inserts(&mut floors, &rows)?;
    }
    drop((store, clients, floors, floor, reader));
    pgstore::drop_store(&store_url)?;
    pgstore::drop_store(&floor_url)?;

    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let rate1 = one_ms.len() as f64 * 1e3 / sum(&one_ms);
    let raw1 = one_floor_ms.len() as f64 * 1e3 / sum(&one_floor_ms);
    let rate8 = sends8 as f64 * 1e3 / wall8;
    let raw8 = sends8 as f64 * 1e3 / wall8_floor;
    let (s, f) = (Stats::of(one_ms.clone()), Stats::of(one_floor_ms.clone()));
    let r = "pg_send_ratio";
    rep.info(r, "pg_send_rate", format!("{rate1:.0}"), "per_s");
    rep.info(r, "pg_raw_rate", format!("{raw1:.0}"), "per_s");
    rep.info(r, "pg_send_p50_ms", f3(s.median), "ms");
    rep.info(r, "pg_send_p99_ms", f3(s.p99), "ms");
    rep.info(r, "pg_raw_p50_ms", f3(f.median), "ms");
    rep.info(r, "pg_raw_p99_ms", f3(f.p99), "ms");
    rep.info(
        r,
        "pg_send_overhead_us",
        format!(
            "{:.0}",
            (sum(&one_ms) - sum(&one_floor_ms)) * 1e3 / one_ms.len() as f64
        ),
        "us",
    );
    rep.info(r, "pg_sends_per_side", s.samples, "sends");
    rep.info(
        r,
        "pg_rows_per_send",
        format!("{:.2}", rows_total as f64 / rows_sends as f64),
        "rows",
    );
    let c = "pg_send_scaling_8";
    rep.info(c, "pg_send_rate_8", format!("{rate8:.0}"), "per_s");
    rep.info(c, "pg_raw_rate_8", format!("{raw8:.0}"), "per_s");
    rep.info(
        c,
        "pg_raw_send_scaling_8",
        format!("{:.2}", raw8 / raw1),
        "ratio",
    );
    let s8 = Stats::of(ms8);
    rep.info(c, "pg_send_8_p50_ms", f3(s8.median), "ms");
    rep.info(c, "pg_send_8_p99_ms", f3(s8.p99), "ms");
    rep.info(c, "pg_send_8_gave_up", gave_up8, "sends");
    rep.info(c, "pg_sends_8_clients", sends8, "sends");
    rep.value("pg_send_ratio", rate1 / raw1);
    rep.value("pg_send_scaling_8", rate8 / rate1);
    Ok(())
}

/// Each client (thread) sends its requests through its own store, all
/// starting together; returns what each sent and the wall time (ms).
fn concurrent_sends(
    clients: &[Store],
    reqs: &[Vec<SendRequest>],
    at: &(dyn Fn() -> chrono::DateTime<chrono::Utc> + Sync),
) -> Res<(Vec<Sent>, f64)> {
    let barrier = Barrier::new(clients.len() + 1);
    let (results, wall) = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter()
            .zip(reqs)
            .map(|(store, reqs)| {
                let barrier = &barrier;
                s.spawn(move || -> Result<Sent, String> {
                    let mut sent = Sent {
                        ms: Vec::with_capacity(reqs.len()),
                        ids: Vec::with_capacity(reqs.len()),
                        gave_up: 0,
                    };
                    barrier.wait();
                    for req in reqs {
                        let t = Instant::now();
                        let out = loop {
                            match store.send(req, at()) {
                                Ok(out) => break out,
                                // pmsg gave up after its own retries: a
                                // host sends again (counted).
                                Err(e) if gave_up(&e) && sent.gave_up < MAX_RESENDS => {
                                    sent.gave_up += 1
                                }
                                Err(e) => return Err(e.to_string()),
                            }
                        };
                        sent.ms.push(ms(t.elapsed()));
                        sent.ids.push(out.conversation_id);
                    }
                    Ok(sent)
                })
            })
            .collect();
        barrier.wait();
        let t = Instant::now();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a client panicked".into())))
            .collect();
        (results, ms(t.elapsed()))
    });
    let sent = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((sent, wall))
}

/// The rows of every client's sends, by client.
fn capture_all(reader: &mut postgres::Client, sent: &[Sent]) -> Res<Vec<Vec<SendRows>>> {
    let mut out = Vec::with_capacity(sent.len());
    for s in sent {
        out.push(
            s.ids
                .iter()
                .map(|id| raw_pg_floor::capture(reader, id))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    Ok(out)
}

/// Each floor client inserts its sends' rows, all starting together;
/// returns the wall time (ms).
fn concurrent_inserts(floors: &mut [raw_pg_floor::Floor], rows: &[Vec<SendRows>]) -> Res<f64> {
    let barrier = Barrier::new(floors.len() + 1);
    let (results, wall) = std::thread::scope(|s| {
        let handles: Vec<_> = floors
            .iter_mut()
            .zip(rows)
            .map(|(floor, rows)| {
                let barrier = &barrier;
                s.spawn(move || -> Result<(), String> {
                    barrier.wait();
                    for r in rows {
                        raw_pg_floor::insert(floor, r).map_err(|e| pgstore::describe(&e))?;
                    }
                    Ok(())
                })
            })
            .collect();
        barrier.wait();
        let t = Instant::now();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a floor client panicked".into()))
            })
            .collect();
        (results, ms(t.elapsed()))
    });
    results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(wall)
}

/// Clears every claim of the store (populate makes none): the figure's
/// claims must not hide events from the next run's.
fn clear_claims(url: &str) -> Res<u64> {
    let mut c = pgstore::connect(url)?;
    Ok(c.execute(
        "UPDATE event SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL",
        &[],
    )?)
}

/// `pg_claim_ms`: `claim_due_events(worker, now, Some(100), 60)` by 4
/// workers at once (each its own `Store` handle and thread, starting
/// together) on the N store, at successive instants from
/// [`figures::sweep_instant`] a lease and a second apart (so every event
/// claimed in one round is claimable again in the next), median of every
/// call. `info`: the same call by one worker alone, claims and events per
/// second of the 4 workers, events per claim, and any event received by
/// two workers in one round (must be 0, R-D7).
pub fn claims(setup: &Setup, big: &Built, rep: &mut Report) -> Res<()> {
    let url = url_of(big)?;
    clear_claims(url)?;
    let workers: Vec<Store> = (0..WORKERS).map(|_| big.open()).collect::<Result<_, _>>()?;
    let base = figures::sweep_instant(big);
    let mut k = 0i64;
    let mut next_now = || {
        k += 1;
        populate::instant(base + k * (LEASE_SECONDS + 1) * 1_000)
    };
    let rounds = setup.samples.div_ceil(WORKERS).max(13);

    // One worker alone, for reference.
    let mut alone = Vec::new();
    for i in 0..rounds + 3 {
        let now = next_now();
        let t = Instant::now();
        let got =
            workers[0].claim_due_events("pmsg-bench-0", now, Some(CLAIM_LIMIT), LEASE_SECONDS)?;
        let elapsed = ms(t.elapsed());
        std::hint::black_box(got);
        if i >= 3 {
            alone.push(elapsed);
        }
    }

    let (mut samples, mut wall) = (Vec::new(), 0.0f64);
    let (mut calls, mut events, mut overlaps) = (0usize, 0usize, 0usize);
    for round in 0..rounds + 2 {
        let now = next_now();
        let barrier = Barrier::new(WORKERS + 1);
        let (results, round_ms) = std::thread::scope(|s| {
            let handles: Vec<_> = workers
                .iter()
                .enumerate()
                .map(|(i, store)| {
                    let barrier = &barrier;
                    s.spawn(move || -> Result<(f64, Vec<String>), String> {
                        let worker = format!("pmsg-bench-{i}");
                        barrier.wait();
                        let t = Instant::now();
                        let got = store
                            .claim_due_events(&worker, now, Some(CLAIM_LIMIT), LEASE_SECONDS)
                            .map_err(|e| e.to_string())?;
                        Ok((ms(t.elapsed()), got.into_iter().map(|e| e.id).collect()))
                    })
                })
                .collect();
            barrier.wait();
            let t = Instant::now();
            let results: Vec<_> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("a worker panicked".into())))
                .collect();
            (results, ms(t.elapsed()))
        });
        let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        if round < 2 {
            continue; // warm-up
        }
        wall += round_ms;
        let mut seen = HashSet::new();
        for (elapsed, ids) in results {
            samples.push(elapsed);
            calls += 1;
            events += ids.len();
            overlaps += ids
                .into_iter()
                .filter(|id| !seen.insert(id.clone()))
                .count();
        }
    }
    drop(workers);
    clear_claims(url)?;

    let s = Stats::of(samples);
    let a = Stats::of(alone);
    let c = "pg_claim_ms";
    rep.info(c, "pg_claim_p99_ms", f3(s.p99), "ms");
    rep.info(c, "pg_claim_alone_p50_ms", f3(a.median), "ms");
    rep.info(c, "pg_claim_alone_p99_ms", f3(a.p99), "ms");
    rep.info(
        c,
        "pg_claim_events_per_claim",
        format!("{:.1}", events as f64 / calls as f64),
        "events",
    );
    rep.info(
        c,
        "pg_claims_per_s",
        format!("{:.0}", calls as f64 * 1e3 / wall),
        "per_s",
    );
    rep.info(
        c,
        "pg_claimed_events_per_s",
        format!("{:.0}", events as f64 * 1e3 / wall),
        "per_s",
    );
    rep.info(c, "pg_claim_calls", calls, "calls");
    rep.info(c, "pg_claim_double_claims", overlaps, "events");
    rep.value("pg_claim_ms", s.median);
    Ok(())
}
