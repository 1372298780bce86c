# common.R: helpers shared by the golden-reference scripts of tests/golden/gen/. Part of the test
# oracle: the expected JSON under tests/golden/ depends on every line here, so a change to this file
# must leave the regenerated files byte-identical (or be a deliberate change of the reference).
#
# Sourced, relative to the calling script, by analyze.R, clinical.R, tost.R, lmm.R, lmm_check.R,
# consort.R and mmrm.R:
#   source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE),
#                                                     value = TRUE)[1])), "common.R"))
# (works for `Rscript path/to/script.R`, from any working directory).
#
# It holds only what was an identical copy (up to comments and layout) in every script that uses
# it:
#   HEADER, KNOWN_ARMS, KNOWN_OUTCOMES   the trial file's columns and the known §3 orders
#   read_trial                           input reading and validation (§3 "Input", §6.3)
#   csort, order_known_first,            ordering (§3)
#   order_timepoints
#   complete_cases                       the complete cases of one outcome (§3)
#   pairs_of                             the pairs i < j of a vector
#   write_records                        the records' key check and JSON output (analyze.R,
#                                        clinical.R, lmm.R)
# Helpers whose copies differ between scripts (num, rec, attempt, check, parse_args, read_study,
# wilson, ...) stay in the scripts; no script redefines a name defined here. It attaches no
# package (write_records calls jsonlite::toJSON) and sets no option or locale (the scripts keep
# their own Sys.setlocale calls).

HEADER <- c("participant_id", "arm", "timepoint", "outcome", "value")
KNOWN_ARMS <- c("backward", "forward", "control")
KNOWN_OUTCOMES <- c("pain_nrs", "womac_total", "tug_seconds", "quad_strength_kg")

# ---------------------------------------------------------------------------------------------
# Input (§3 "Input", §6.3) and ordering (§3)
# ---------------------------------------------------------------------------------------------

read_trial <- function(path) {
  first <- readLines(path, n = 1L, warn = FALSE)
  if (length(first) == 0L) stop("empty file: ", path)
  if (!identical(first, paste(HEADER, collapse = ","))) {
    stop("header must be exactly '", paste(HEADER, collapse = ","), "', got '", first, "'")
  }
  # §6.3 verbatim: character ids, numeric value, "" and "NA" are missing.
  d <- read.csv(path, colClasses = c(rep("character", 4), "numeric"),
                na.strings = c("", "NA"))
  if (!identical(names(d), HEADER)) stop("unexpected columns: ", paste(names(d), collapse = ","))
  if (nrow(d) == 0L) stop("no data rows")
  if (anyNA(d[, 1:4])) stop("missing participant_id/arm/timepoint/outcome")
  bad <- !is.na(d$value) & !is.finite(d$value)
  if (any(bad)) stop("non-finite value in data row(s) ", paste(head(which(bad), 5), collapse = ", "))
  key <- paste(d$participant_id, d$timepoint, d$outcome, sep = "\r")
  if (anyDuplicated(key)) stop("duplicate (participant, timepoint, outcome) row: ", key[anyDuplicated(key)])
  arms_per_p <- tapply(d$arm, d$participant_id, function(a) length(unique(a)))
  if (any(arms_per_p > 1)) stop("participant in two arms: ", names(arms_per_p)[arms_per_p > 1][1])
  if (!"baseline" %in% d$timepoint) stop("no baseline timepoint in the file")
  d
}

# Byte-order sort (C locale), as Rust's str ordering.
csort <- function(x) sort(unique(x), method = "radix")

order_known_first <- function(x, known) {
  x <- unique(x)
  c(known[known %in% x], csort(setdiff(x, known)))
}

# baseline first; then ascending trailing integer (week3 < week6 < week12); names without a
# trailing number sort after all numbered ones; ties broken by name (bytewise).
order_timepoints <- function(tp) {
  others <- csort(setdiff(unique(tp), "baseline"))
  num <- ifelse(grepl("[0-9]+$", others), sub("^.*?([0-9]+)$", "\\1", others), NA)
  num <- suppressWarnings(as.numeric(num))
  num[is.na(num)] <- Inf
  c("baseline", others[order(num, others, method = "radix")])
}

# ---------------------------------------------------------------------------------------------
# Analysis sets
# ---------------------------------------------------------------------------------------------

# Complete cases of one outcome: non-missing baseline and last value (§3). Rows are ordered by
# participant_id so resampling input is independent of the file's row order.
complete_cases <- function(d_o, last_tp) {
  base <- d_o[d_o$timepoint == "baseline" & !is.na(d_o$value), c("participant_id", "arm", "value")]
  last <- d_o[d_o$timepoint == last_tp & !is.na(d_o$value), c("participant_id", "value")]
  names(base)[3] <- "base"
  names(last)[2] <- "last"
  cc <- merge(base, last, by = "participant_id")
  cc <- cc[order(cc$participant_id, method = "radix"), , drop = FALSE]
  # §3: change scores rounded to 9 decimals before any use.
  cc$change <- round(cc$last - cc$base, 9)
  rownames(cc) <- NULL
  cc
}

# All pairs (a[i], a[j]) with i < j, in that order.
pairs_of <- function(a) {
  out <- list()
  for (i in seq_along(a)) for (j in seq_along(a)) {
    if (i < j) out[[length(out) + 1L]] <- c(a[i], a[j])
  }
  out
}

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

# Write the records (§1/§2) as pretty JSON (NA/NULL as null, full precision) to `path`, after
# checking that no two records share the key (outcome, analysis, contrast, statistic_name).
write_records <- function(records, path) {
  keys <- vapply(records, function(r) paste(r$outcome, r$analysis, r$contrast, r$statistic_name,
                                            sep = "|"), character(1))
  if (anyDuplicated(keys)) stop("duplicate record key: ", keys[anyDuplicated(keys)])

  json <- jsonlite::toJSON(records, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                           pretty = TRUE)
  writeLines(json, path, useBytes = TRUE)
  message(sprintf("wrote %d records to %s", length(records), path))
}
