#!/usr/bin/env Rscript
# formats.R: the same small trial in the files clinics and CROs really have (issue 22), written by
# R's haven (the readstat library), so that retrotrial's own readers are checked against another
# implementation of each format.
#
#   Rscript tests/golden/gen/formats.R      # from the repository root; writes tests/data/formats/
#
# Source: datasets/golden/small40.csv (40 participants, 3 arms, 3 timepoints, 4 outcomes). One
# measurement (P000002, pain_nrs, week6) is made missing in every form: an empty cell in the long
# CSV, a declared user-missing code -99 in SPSS, the extended missing value .a in Stata, the special
# missing value .A in SAS transport. Arms are labelled integer codes (1 = "Retro walking", ...) in
# SPSS and Stata and text in the SAS transport file (which has no value labels); every measurement
# column carries a variable label.
#
#   trial.csv      the reference: canonical long CSV (participant_id,arm,timepoint,outcome,value)
#   trial.sav      SPSS, wide (id, group, <outcome>_<timepoint>), byte-compressed
#   trial.zsav     the same, zlib-compressed
#   trial.dta      Stata 14 (format 118), wide
#   arm_code_without_label.dta   trial.dta with one arm code (4) that has no value label
#   trial.xpt      SAS transport version 5, long, 8-character names (PID, ARM, VISIT, PARAM, AVAL)
#   trial.sas7bdat SAS data set, the same long table (haven::write_sas)
#   adqs.csv, adqs.xpt   CDISC ADaM BDS (ADQS): USUBJID, TRT01P, PARAMCD/PARAM, AVISIT/AVISITN,
#                  ABLFL, AVAL, BASE, CHG, ANL01FL, DTYPE; with a derived LOCF record and an
#                  unscheduled visit not flagged for analysis, both of which must not be read
#   adqs_long.csv  the ADaM trial as the canonical long CSV (ids USUBJID, outcomes PARAMCD in lower
#                  case)
#   adsl.xpt, adsl_participants.csv   CDISC ADSL (USUBJID, AGE, SEX, ITTFL, SAFFL, one subject
#                  without records in ADQS) and the same covariates as a participants table
#   redcap.csv, redcap_labels.csv, redcap_DataDictionary.csv   a longitudinal REDCap project's
#                  raw and labelled exports and its data dictionary (radio arm field, checkbox
#                  field, a repeated instrument)

suppressPackageStartupMessages(library(haven))

out <- "tests/data/formats"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
long <- read.csv("datasets/golden/small40.csv", stringsAsFactors = FALSE)
gone <- long$participant_id == "P000002" & long$outcome == "pain_nrs" & long$timepoint == "week6"
stopifnot(sum(gone) == 1)
long$value[gone] <- NA

# The reference long CSV: NA as an empty cell; numbers as R prints them at full precision.
ref <- long
ref$value <- ifelse(is.na(ref$value), "", format(ref$value, digits = 15, trim = TRUE, drop0trailing = TRUE))
ref$value <- sub("\\.$", "", ref$value)
write.csv(ref, file.path(out, "trial.csv"), row.names = FALSE, quote = FALSE, na = "")

arm_codes <- c(backward = 1L, forward = 2L, control = 3L)
arm_labels <- c("Retro walking" = 1L, "Forward walking" = 2L, "Usual care" = 3L)
outcome_labels <- c(
  pain_nrs = "Knee pain, numeric rating scale 0-10",
  womac_total = "WOMAC total score 0-96",
  tug_seconds = "Timed up-and-go (s)",
  quad_strength_kg = "Quadriceps strength (kg)"
)

# Wide: one row per participant, columns <outcome>_<timepoint> in the long file's order.
cols <- unique(paste(long$outcome, long$timepoint, sep = "_"))
ids <- unique(long$participant_id)
wide <- data.frame(id = ids, stringsAsFactors = FALSE)
wide$group <- unname(arm_codes[long$arm[match(ids, long$participant_id)]])
for (col in cols) {
  rows <- long[paste(long$outcome, long$timepoint, sep = "_") == col, ]
  wide[[col]] <- rows$value[match(ids, rows$participant_id)]
}
missing_col <- "pain_nrs_week6"
missing_row <- which(wide$id == "P000002")
stopifnot(is.na(wide[[missing_col]][missing_row]))

label_columns <- function(df) {
  for (col in cols) {
    o <- sub("_(baseline|week3|week6)$", "", col)
    attr(df[[col]], "label") <- unname(outcome_labels[o])
  }
  attr(df$id, "label") <- "Participant"
  df
}

# SPSS: the missing value as the declared user-missing code -99.
sav <- wide
sav$group <- labelled_spss(sav$group, labels = arm_labels, label = "Allocated group")
v <- sav[[missing_col]]
v[missing_row] <- -99
sav[[missing_col]] <- labelled_spss(v, na_values = -99)
sav <- label_columns(sav)
write_sav(sav, file.path(out, "trial.sav"), compress = "byte")
write_sav(sav, file.path(out, "trial.zsav"), compress = "zsav")

# Stata: the missing value as the extended missing value .a.
dta <- wide
dta$group <- labelled(dta$group, labels = arm_labels, label = "Allocated group")
v <- dta[[missing_col]]
v[missing_row] <- tagged_na("a")
dta[[missing_col]] <- v
dta <- label_columns(dta)
write_dta(dta, file.path(out, "trial.dta"), version = 14)
# A mapping mistake: participant P000005's arm code 4 has no value label.
bad <- dta
bad$group[bad$id == "P000005"] <- 4L
write_dta(bad, file.path(out, "arm_code_without_label.dta"), version = 14)

# SAS transport v5: long, names of at most 8 characters; the missing value as .A.
arm_text <- c(backward = "Retro walking", forward = "Forward walking", control = "Usual care")
xpt <- data.frame(
  PID = long$participant_id,
  ARM = unname(arm_text[long$arm]),
  VISIT = long$timepoint,
  PARAM = long$outcome,
  stringsAsFactors = FALSE
)
aval <- long$value
aval[is.na(aval)] <- tagged_na("A") # SAS tags are upper case
xpt$AVAL <- aval
attr(xpt$AVAL, "label") <- "Analysis value"
attr(xpt$PID, "label") <- "Participant"
write_xpt(xpt, file.path(out, "trial.xpt"), version = 5, name = "TRIAL")
# SAS data set: the same long table (haven's write_sas is deprecated but writes a file SAS and
# ReadStat read; its special missing value is written as a plain missing value).
sas <- xpt
sas$AVAL <- long$value
attr(sas$AVAL, "label") <- "Analysis value"
suppressWarnings(write_sas(sas, file.path(out, "trial.sas7bdat")))

# CDISC ADaM BDS.
paramcd <- c(pain_nrs = "PAINNRS", womac_total = "WOMAC", tug_seconds = "TUG", quad_strength_kg = "QUADKG")
visit <- c(baseline = "Baseline", week3 = "Week 3", week6 = "Week 6")
visitn <- c(baseline = 0, week3 = 3, week6 = 6)
adqs <- data.frame(
  STUDYID = "RETRO01",
  USUBJID = paste0("RETRO01-", long$participant_id),
  TRT01P = unname(arm_text[long$arm]),
  PARAMCD = unname(paramcd[long$outcome]),
  PARAM = unname(outcome_labels[long$outcome]),
  AVISIT = unname(visit[long$timepoint]),
  AVISITN = unname(visitn[long$timepoint]),
  ABLFL = ifelse(long$timepoint == "baseline", "Y", ""),
  AVAL = long$value,
  DTYPE = "",
  ANL01FL = "Y",
  stringsAsFactors = FALSE
)
key <- paste(adqs$USUBJID, adqs$PARAMCD)
adqs$BASE <- adqs$AVAL[adqs$ABLFL == "Y"][match(key, key[adqs$ABLFL == "Y"])]
adqs$CHG <- ifelse(adqs$ABLFL == "Y", NA, adqs$AVAL - adqs$BASE)
# A derived LOCF record for the missing week-6 value, and an unscheduled visit not flagged for
# analysis: neither is read by default.
locf <- adqs[adqs$USUBJID == "RETRO01-P000002" & adqs$PARAMCD == "PAINNRS" & adqs$AVISIT == "Week 3", ]
locf$AVISIT <- "Week 6"; locf$AVISITN <- 6; locf$DTYPE <- "LOCF"; locf$ANL01FL <- ""
unsched <- adqs[adqs$USUBJID == "RETRO01-P000003" & adqs$AVISIT == "Week 3", ]
unsched$AVISIT <- "Unscheduled 1"; unsched$AVISITN <- 99; unsched$ANL01FL <- ""
adqs <- rbind(adqs, locf, unsched)
adqs <- adqs[order(adqs$USUBJID, adqs$PARAMCD, adqs$AVISITN), c(
  "STUDYID", "USUBJID", "TRT01P", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ABLFL", "AVAL",
  "BASE", "CHG", "DTYPE", "ANL01FL"
)]
write.csv(adqs, file.path(out, "adqs.csv"), row.names = FALSE, na = "")
adqs_x <- adqs
attr(adqs_x$USUBJID, "label") <- "Unique Subject Identifier"
attr(adqs_x$AVAL, "label") <- "Analysis Value"
write_xpt(adqs_x, file.path(out, "adqs.xpt"), version = 5, name = "ADQS")
adam_long <- ref
adam_long$outcome <- tolower(unname(paramcd[adam_long$outcome]))
adam_long$participant_id <- paste0("RETRO01-", adam_long$participant_id)
write.csv(adam_long, file.path(out, "adqs_long.csv"), row.names = FALSE, quote = FALSE, na = "")

# ADSL: one row per subject (plus one randomised subject without records), the participant
# covariates; the same as a participants table keyed by the ADaM long file's ids.
subj <- unique(adqs$USUBJID)
k <- seq_along(subj)
adsl <- data.frame(
  STUDYID = "RETRO01",
  USUBJID = c(subj, "RETRO01-P999999"),
  AGE = c(55 + (k * 7) %% 20, 61),
  SEX = c(ifelse(k %% 2 == 0, "F", "M"), "F"),
  ITTFL = "Y",
  SAFFL = c(ifelse(k == 3, "N", "Y"), "Y"),
  TRT01P = c(adqs$TRT01P[match(subj, adqs$USUBJID)], "Usual care"),
  stringsAsFactors = FALSE
)
attr(adsl$AGE, "label") <- "Age"
write_xpt(adsl, file.path(out, "adsl.xpt"), version = 5, name = "ADSL")
parts <- adsl[adsl$USUBJID %in% subj, c("USUBJID", "AGE", "SEX", "ITTFL", "SAFFL")]
names(parts)[1] <- "participant_id"
write.csv(parts, file.path(out, "adsl_participants.csv"), row.names = FALSE, quote = FALSE)

# REDCap: a longitudinal project (events baseline, week 3, week 6 of arm 1), the allocation as
# a radio field recorded at baseline, walking aids as a checkbox field, and a repeating adverse
# event instrument. The missing value is an empty cell.
choices <- "1, Retro walking | 2, Forward walking | 3, Usual care"
dict <- data.frame(
  "Variable / Field Name" = c("record_id", "group", "aids", names(outcome_labels), "ae_desc"),
  "Form Name" = c("enrolment", "enrolment", "enrolment", rep("outcomes", 4), "adverse_event"),
  "Section Header" = "",
  "Field Type" = c("text", "radio", "checkbox", rep("text", 4), "text"),
  "Field Label" = c("Record ID", "Allocated group", "Walking aids", unname(outcome_labels), "Adverse event"),
  "Choices, Calculations, OR Slider Labels" = c("", choices, "1, Cane | 2, Walker | 3, None", rep("", 5)),
  "Field Note" = "",
  "Text Validation Type OR Show Slider Number" = c("", "", "", "integer", "integer", "number", "number", ""),
  "Text Validation Min" = "", "Text Validation Max" = "", "Identifier?" = "",
  "Branching Logic (Show field only if...)" = "", "Required Field?" = "", "Custom Alignment" = "",
  "Question Number (surveys only)" = "", "Matrix Group Name" = "", "Matrix Ranking?" = "",
  "Field Annotation" = "",
  check.names = FALSE, stringsAsFactors = FALSE
)
write.csv(dict, file.path(out, "redcap_DataDictionary.csv"), row.names = FALSE, na = "")
events <- c(baseline = "baseline_arm_1", week3 = "week_3_arm_1", week6 = "week_6_arm_1")
event_labels <- c(baseline = "Baseline", week3 = "Week 3", week6 = "Week 6")
rc <- list()
for (p in ids) {
  for (tp in names(events)) {
    rows <- long[long$participant_id == p & long$timepoint == tp, ]
    r <- data.frame(record_id = p, redcap_event_name = unname(events[tp]),
                    redcap_repeat_instrument = "", redcap_repeat_instance = NA,
                    group = NA, aids___1 = NA, aids___2 = NA, aids___3 = NA,
                    enrolment_complete = NA, stringsAsFactors = FALSE)
    if (tp == "baseline") {
      r$group <- unname(arm_codes[rows$arm[1]])
      aid <- 1 + match(p, ids) %% 3
      r$aids___1 <- as.integer(aid == 1); r$aids___2 <- as.integer(aid == 2); r$aids___3 <- as.integer(aid == 3)
      r$enrolment_complete <- 2
    }
    for (o in names(outcome_labels)) r[[o]] <- rows$value[rows$outcome == o]
    r$outcomes_complete <- 2
    r$ae_desc <- ""
    r$adverse_event_complete <- NA
    rc[[length(rc) + 1]] <- r
  }
  if (p %in% ids[c(2, 5)]) {
    for (k in 1:2) {
      r <- rc[[length(rc)]]
      r[] <- NA
      r$record_id <- p; r$redcap_event_name <- "week_6_arm_1"
      r$redcap_repeat_instrument <- "adverse_event"; r$redcap_repeat_instance <- k
      r$ae_desc <- c("knee swelling", "fall, no injury")[k]; r$adverse_event_complete <- 2
      r$redcap_repeat_instrument <- "adverse_event"
      rc[[length(rc) + 1]] <- r
    }
  }
}
rc <- do.call(rbind, rc)
write.csv(rc, file.path(out, "redcap.csv"), row.names = FALSE, na = "")
# The labelled export: headers are field labels, choices and events by label.
lab <- rc
lab$redcap_event_name <- unname(event_labels[match(lab$redcap_event_name, events)])
lab$redcap_repeat_instrument <- ifelse(lab$redcap_repeat_instrument %in% "adverse_event", "Adverse Event", "")
lab$group <- c("Retro walking", "Forward walking", "Usual care")[lab$group]
for (k in 1:3) {
  col <- paste0("aids___", k)
  lab[[col]] <- ifelse(is.na(lab[[col]]), "", ifelse(lab[[col]] == 1, "Checked", "Unchecked"))
}
for (col in c("enrolment_complete", "outcomes_complete", "adverse_event_complete")) {
  lab[[col]] <- ifelse(is.na(lab[[col]]), "", "Complete")
}
names(lab) <- c("Record ID", "Event Name", "Repeat Instrument", "Repeat Instance", "Allocated group",
  "Walking aids (choice=Cane)", "Walking aids (choice=Walker)", "Walking aids (choice=None)",
  "Complete?", unname(outcome_labels), "Complete?", "Adverse event", "Complete?")
write.csv(lab, file.path(out, "redcap_labels.csv"), row.names = FALSE, na = "")

# Check what haven reads back: the same values (missing included) and labels.
back <- read_sav(file.path(out, "trial.sav"), user_na = FALSE)
stopifnot(is.na(back[[missing_col]][missing_row]), identical(as.numeric(back$group), as.numeric(wide$group)))
back <- read_dta(file.path(out, "trial.dta"))
stopifnot(is_tagged_na(back[[missing_col]][missing_row], "a"))
back <- read_xpt(file.path(out, "trial.xpt"))
stopifnot(isTRUE(all.equal(as.numeric(back$AVAL), long$value)))
back <- read_sas(file.path(out, "trial.sas7bdat"))
stopifnot(isTRUE(all.equal(as.numeric(back$AVAL), long$value)))
cat("wrote", out, "\n")
