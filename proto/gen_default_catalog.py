#!/usr/bin/env python3
"""Generates proto/default_catalog.textproto, the built-in nswsim catalog.

The committed textproto is the source of truth (it is what the binaries
embed); this script is how it was made and how to redo the sizing after
changing a procedure: edit the tables below, run

    python3 proto/gen_default_catalog.py > proto/default_catalog.textproto

and commit both. Facts come from /work/shared/DOMAIN.md (13 ministries, 198
procedures, ~3 M dossiers in ~5 years); figures marked "estimate" there, and
the service-time and reaction-time figures here, are plausible estimates.

Officer sizing (the number the next engineer most likely needs to redo):
the default trace is 3,000,000 dossiers over 5 years of ~250 working days,
i.e. ~2,400 dossiers per working day, almost all in the 9 office hours. A
ministry m receives share_m = sum of its procedures' popularity / total, so
    lambda_m = 2400 * share_m / 9                     dossiers per office hour
and each dossier costs its procedure's mean service time once per review;
a supplement sends it back to the queue, so the expected number of reviews
is 1 / (1 - supplement_probability). The offered load in officers is
    load_m = lambda_m * sum_p(w_p * mean_hours_p / (1 - s_p)) / sum_p(w_p)
(w_p = popularity within the ministry) and utilisation = load_m / officers.
Officers are chosen so utilisation is ~0.6 on an average working day,
leaving room for the trace's month-end and pre-Tet peaks and its yearly
growth. ALWAYS (24/7) ministries get the same office-hours figure: that is
their busiest part of the day.
"""

import math
import sys

DOSSIERS_PER_WORKING_DAY = 3_000_000 / (5 * 250)  # = 2400
OFFICE_HOURS_PER_DAY = 9.0
TARGET_UTILISATION = 0.6
MIN_UTILISATION, MAX_UTILISATION = 0.5, 0.8

# Vietnam's public holidays as the government gave them to civil servants
# (days off, with the compensation days for holidays falling on a weekend and
# the swapped bridge days); Tet breaks are listed day by day including their
# weekends. Labour Code 2019 adds a second National Day from 2021.
HOLIDAYS = [
    ("2019", "New Year", ["2019-01-01"]),
    ("2019", "Tet (Lunar New Year 2019-02-05)", [f"2019-02-{d:02d}" for d in range(2, 11)]),
    ("2019", "Hung Kings (Sunday 04-14, moved to Monday)", ["2019-04-14", "2019-04-15"]),
    ("2019", "Reunification and Labour Day (04-29 bridged)", ["2019-04-29", "2019-04-30", "2019-05-01"]),
    ("2019", "National Day", ["2019-09-02"]),
    ("2020", "New Year", ["2020-01-01"]),
    ("2020", "Tet (Lunar New Year 2020-01-25)", [f"2020-01-{d:02d}" for d in range(23, 30)]),
    ("2020", "Hung Kings", ["2020-04-02"]),
    ("2020", "Reunification and Labour Day", ["2020-04-30", "2020-05-01"]),
    ("2020", "National Day", ["2020-09-02"]),
    ("2021", "New Year", ["2021-01-01"]),
    ("2021", "Tet (Lunar New Year 2021-02-12)", [f"2021-02-{d:02d}" for d in range(10, 17)]),
    ("2021", "Hung Kings", ["2021-04-21"]),
    ("2021", "Reunification and Labour Day (Saturday 05-01 moved to Monday)", ["2021-04-30", "2021-05-01", "2021-05-03"]),
    ("2021", "National Day (two days from 2021)", ["2021-09-02", "2021-09-03"]),
    ("2022", "New Year (Saturday, moved to Monday)", ["2022-01-01", "2022-01-03"]),
    ("2022", "Tet (Lunar New Year 2022-02-01)", ["2022-01-29", "2022-01-30", "2022-01-31"] + [f"2022-02-{d:02d}" for d in range(1, 7)]),
    ("2022", "Hung Kings (Sunday, moved to Monday)", ["2022-04-10", "2022-04-11"]),
    ("2022", "Reunification and Labour Day (weekend, moved to Mon-Tue)", ["2022-04-30", "2022-05-01", "2022-05-02", "2022-05-03"]),
    ("2022", "National Day", ["2022-09-01", "2022-09-02"]),
    ("2023", "New Year (Sunday, moved to Monday)", ["2023-01-01", "2023-01-02"]),
    ("2023", "Tet (Lunar New Year 2023-01-22)", [f"2023-01-{d:02d}" for d in range(20, 27)]),
    ("2023", "Hung Kings and Reunification (weekend, moved to Tue-Wed) and Labour Day", ["2023-04-29", "2023-04-30", "2023-05-01", "2023-05-02", "2023-05-03"]),
    ("2023", "National Day (Saturday 09-02 moved to Monday)", ["2023-09-01", "2023-09-02", "2023-09-04"]),
    ("2024", "New Year", ["2024-01-01"]),
    ("2024", "Tet (Lunar New Year 2024-02-10)", [f"2024-02-{d:02d}" for d in range(8, 15)]),
    ("2024", "Hung Kings", ["2024-04-18"]),
    ("2024", "Reunification and Labour Day (04-29 bridged)", ["2024-04-29", "2024-04-30", "2024-05-01"]),
    ("2024", "National Day", ["2024-09-02", "2024-09-03"]),
    ("2025", "New Year", ["2025-01-01"]),
    ("2025", "Tet (Lunar New Year 2025-01-29)", [f"2025-01-{d:02d}" for d in range(25, 32)] + ["2025-02-01", "2025-02-02"]),
    ("2025", "Hung Kings", ["2025-04-07"]),
    ("2025", "Reunification and Labour Day (05-02 bridged)", ["2025-04-30", "2025-05-01", "2025-05-02"]),
    ("2025", "National Day", ["2025-09-01", "2025-09-02"]),
    ("2026", "New Year", ["2026-01-01"]),
    ("2026", "Tet (Lunar New Year 2026-02-17)", [f"2026-02-{d:02d}" for d in range(14, 23)]),
    ("2026", "Hung Kings (Sunday, moved to Monday)", ["2026-04-26", "2026-04-27"]),
    ("2026", "Reunification and Labour Day", ["2026-04-30", "2026-05-01"]),
    ("2026", "National Day (second day: estimate)", ["2026-09-01", "2026-09-02"]),
]

# Ministries: code, name, real-code prefix, calendar, queue policy, share of
# all dossiers, Zipf exponent of popularity within the ministry (procedures
# are listed most popular first), default (approve, reject) probabilities,
# fee payment delay (hours), supplement delay (hours), default payload mean.
MINISTRIES = [
    dict(code="MOF", name="Ministry of Finance (General Department of Vietnam Customs)", prefix="BTC",
         calendar="ALWAYS", queue="FIFO", share=0.08, zipf=1.1, ar=(0.86, 0.03), pay_h=4, supp_h=24, payload=2200),
    dict(code="MOIT", name="Ministry of Industry and Trade", prefix="BCT",
         calendar="OFFICE_HOURS", queue="EDF", share=0.24, zipf=1.6, ar=(0.88, 0.02), pay_h=8, supp_h=20, payload=2600),
    dict(code="MARD", name="Ministry of Agriculture and Rural Development", prefix="BNNPTNT",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.21, zipf=1.4, ar=(0.87, 0.02), pay_h=6, supp_h=24, payload=2400),
    dict(code="MOH", name="Ministry of Health", prefix="BYT",
         calendar="OFFICE_HOURS", queue="EDF", share=0.15, zipf=1.3, ar=(0.84, 0.03), pay_h=10, supp_h=48, payload=3200),
    dict(code="MOT", name="Ministry of Transport", prefix="BGTVT",
         calendar="ALWAYS", queue="EDF", share=0.13, zipf=1.3, ar=(0.92, 0.01), pay_h=3, supp_h=4, payload=3400),
    dict(code="MONRE", name="Ministry of Natural Resources and Environment", prefix="BTNMT",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.02, zipf=1.2, ar=(0.80, 0.05), pay_h=24, supp_h=72, payload=3600),
    dict(code="MOST", name="Ministry of Science and Technology", prefix="BKHCN",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.04, zipf=1.3, ar=(0.85, 0.03), pay_h=12, supp_h=48, payload=2800),
    dict(code="MIC", name="Ministry of Information and Communications", prefix="BTTTT",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.03, zipf=1.2, ar=(0.86, 0.03), pay_h=12, supp_h=48, payload=2000),
    dict(code="MOCST", name="Ministry of Culture, Sports and Tourism", prefix="BVHTTDL",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.015, zipf=1.2, ar=(0.84, 0.04), pay_h=24, supp_h=72, payload=1800),
    dict(code="MPS", name="Ministry of Public Security", prefix="BCA",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.012, zipf=1.1, ar=(0.80, 0.06), pay_h=24, supp_h=72, payload=2400),
    dict(code="MOD", name="Ministry of National Defence", prefix="BQP",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.006, zipf=1.0, ar=(0.82, 0.05), pay_h=24, supp_h=72, payload=2200),
    dict(code="SBV", name="State Bank of Vietnam", prefix="NHNN",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.007, zipf=1.0, ar=(0.83, 0.04), pay_h=24, supp_h=48, payload=1600),
    dict(code="VCCI", name="Vietnam Chamber of Commerce and Industry", prefix="VCCI",
         calendar="OFFICE_HOURS", queue="FIFO", share=0.06, zipf=2.0, ar=(0.90, 0.02), pay_h=6, supp_h=20, payload=2400),
]


def P(short, name, deadline, service, fee=0, ar=None, payload=None, boost=1.0):
    """One procedure. deadline: "6h" (working hours) or "3d" (working days).
    service: ("F", minutes) fixed, ("E", minutes) exponential, or
    ("L", minutes, cv) lognormal; officer working time per review. boost
    multiplies its Zipf weight (ship departures are as common as arrivals)."""
    return dict(short=short, name=name, deadline=deadline, service=service, fee=fee, ar=ar, payload=payload,
                boost=boost)


# Procedures per ministry, most popular first.
PROCEDURES = {
    "MOF": [
        P("DUTY-EXEMPT-LIST", "Notification of the list of duty-exempt imports", "3d", ("L", 40, 0.8)),
        P("TAX-REFUND", "Claim for refund of import or export duties", "6d", ("L", 90, 0.9), ar=(0.80, 0.05)),
        P("MANIFEST-AMENDMENT", "Amendment of an electronic cargo manifest", "4h", ("E", 15)),
        P("ADVANCE-RULING-CLASS", "Advance ruling on tariff classification", "30d", ("L", 240, 0.7), ar=(0.78, 0.07)),
        P("GOODS-ANALYSIS", "Request for analysis to classify goods", "15d", ("L", 180, 0.8)),
        P("PROCESSING-FACILITY", "Notification of a processing or export-production facility", "5d", ("L", 60, 0.6)),
        P("TAX-PAYMENT-EXTENSION", "Extension of the tax payment deadline", "10d", ("L", 120, 0.7), ar=(0.75, 0.10)),
        P("ADVANCE-RULING-VALUE", "Advance ruling on customs valuation", "30d", ("L", 300, 0.7), ar=(0.76, 0.08)),
        P("ADVANCE-RULING-ORIGIN", "Advance ruling on the origin of goods", "30d", ("L", 240, 0.7), ar=(0.78, 0.07)),
        P("BONDED-WAREHOUSE", "Recognition of a bonded warehouse", "10d", ("L", 360, 0.6), fee=3000000),
        P("CFS-RECOGNITION", "Recognition of a container freight station", "10d", ("L", 360, 0.6), fee=3000000),
        P("INSPECTION-LOCATION", "Recognition of an inland customs inspection location", "10d", ("L", 300, 0.6), fee=2000000),
        P("CUSTOMS-BROKER", "Recognition of a customs brokerage agent", "5d", ("L", 120, 0.6), fee=1000000),
        P("DUTY-NONCOLLECTION", "Non-collection of duty on goods returned or re-exported", "6d", ("L", 90, 0.8)),
        P("LATE-INTEREST-WAIVER", "Waiver of late-payment interest", "10d", ("L", 150, 0.7), ar=(0.70, 0.15)),
        P("TAX-CLEARANCE-CONFIRM", "Confirmation that tax obligations are fulfilled", "5d", ("F", 30)),
        P("DUTY-FREE-SHOP", "Recognition of a duty-free shop", "15d", ("L", 480, 0.5), fee=5000000),
        P("AEO-RECOGNITION", "Recognition as an authorised economic operator", "30d", ("L", 720, 0.5), ar=(0.70, 0.10)),
    ],
    "MOIT": [
        P("CO-FORM-D", "Certificate of origin form D (ASEAN, ATIGA)", "6h", ("L", 12, 0.6), ar=(0.90, 0.02), payload=2600),
        P("CO-FORM-E", "Certificate of origin form E (ASEAN-China)", "8h", ("L", 14, 0.6)),
        P("CO-FORM-AK", "Certificate of origin form AK (ASEAN-Korea)", "8h", ("L", 14, 0.6)),
        P("CO-FORM-VK", "Certificate of origin form VK (Vietnam-Korea FTA)", "8h", ("L", 14, 0.6)),
        P("CO-FORM-EUR1", "Certificate of origin form EUR.1 (EU-Vietnam FTA)", "8h", ("L", 18, 0.7)),
        P("CO-FORM-AJ", "Certificate of origin form AJ (ASEAN-Japan)", "8h", ("L", 15, 0.6)),
        P("CO-FORM-VJ", "Certificate of origin form VJ (Vietnam-Japan EPA)", "8h", ("L", 15, 0.6)),
        P("CO-FORM-CPTPP", "Certificate of origin form CPTPP", "8h", ("L", 18, 0.7)),
        P("AUTO-IMPORT-LICENCE", "Automatic import licence", "7d", ("L", 35, 0.7), payload=1800),
        P("CO-FORM-AI", "Certificate of origin form AI (ASEAN-India)", "8h", ("L", 15, 0.6)),
        P("CO-FORM-RCEP", "Certificate of origin form RCEP", "8h", ("L", 16, 0.6)),
        P("CO-FORM-AANZ", "Certificate of origin form AANZ (ASEAN-Australia-New Zealand)", "8h", ("L", 15, 0.6)),
        P("CO-FORM-S", "Certificate of origin form S (Vietnam-Laos, Vietnam-Cambodia)", "8h", ("L", 12, 0.6)),
        P("CO-FORM-EAV", "Certificate of origin form EAV (Vietnam-Eurasian Economic Union)", "8h", ("L", 16, 0.6)),
        P("CO-FORM-VC", "Certificate of origin form VC (Vietnam-Chile)", "8h", ("L", 15, 0.6)),
        P("CO-AMENDMENT", "Amendment or re-issue of a certificate of origin", "8h", ("L", 20, 0.7), ar=(0.85, 0.05)),
        P("CO-TRADER-PROFILE", "Registration of a certificate-of-origin trader profile", "3d", ("L", 45, 0.6)),
        P("CHEMICAL-DECLARATION", "Declaration of imported industrial chemicals", "1d", ("E", 20)),
        P("PRECURSOR-CHEM-IMPORT", "Import licence for industrial precursor chemicals", "5d", ("L", 90, 0.6), fee=500000),
        P("PRECURSOR-CHEM-EXPORT", "Export licence for industrial precursor chemicals", "5d", ("L", 90, 0.6), fee=500000),
        P("EXPLOSIVE-PRECURSOR-IMPORT", "Import licence for industrial explosive precursors", "5d", ("L", 120, 0.6), fee=1000000, ar=(0.82, 0.05)),
        P("EXPLOSIVE-PRECURSOR-EXPORT", "Export licence for industrial explosive precursors", "5d", ("L", 120, 0.6), fee=1000000, ar=(0.82, 0.05)),
        P("INDUSTRIAL-EXPLOSIVE-IMPORT", "Import licence for industrial explosives", "7d", ("L", 180, 0.6), fee=1500000, ar=(0.80, 0.06)),
        P("TOBACCO-MATERIAL-IMPORT", "Import licence for tobacco raw materials", "10d", ("L", 150, 0.5), ar=(0.84, 0.04)),
        P("CIGARETTE-PAPER-IMPORT", "Import licence for cigarette paper", "10d", ("L", 120, 0.5)),
        P("TOBACCO-MACHINERY-IMPORT", "Import licence for tobacco machinery and equipment", "10d", ("L", 180, 0.5), ar=(0.80, 0.06)),
        P("TEMP-IMPORT-REEXPORT", "Licence for temporary import for re-export business", "5d", ("L", 100, 0.6)),
        P("DANGEROUS-GOODS-TRANSPORT", "Permit to transport dangerous goods (oxidising and corrosive substances)", "5d", ("L", 90, 0.6), fee=300000),
        P("ENERGY-LABEL", "Registration of energy-efficiency labelling for imported appliances", "7d", ("L", 60, 0.6)),
        P("USED-GOODS-IMPORT", "Import licence for used goods under specialised management", "10d", ("L", 150, 0.6), ar=(0.78, 0.08)),
    ],
    "MARD": [
        P("PHYTO-EXPORT", "Phytosanitary certificate for export", "24h", ("L", 25, 0.8), fee=60000, ar=(0.91, 0.01), payload=2300),
        P("PLANT-QUARANTINE-IMPORT", "Plant quarantine registration for imported plants and plant products", "24h", ("L", 25, 0.8), fee=80000),
        P("ANIMAL-QUARANTINE-IMPORT", "Import quarantine registration for animals and animal products", "1d", ("L", 30, 0.8), fee=120000),
        P("FEED-IMPORT-INSPECTION", "State quality inspection of imported animal feed", "3d", ("L", 45, 0.7), fee=300000),
        P("ANIMAL-PRODUCT-EXPORT", "Quarantine certificate for exported animal products", "1d", ("L", 30, 0.8), fee=100000),
        P("AQUATIC-QUARANTINE-IMPORT", "Quarantine registration for imported aquatic animals and products", "1d", ("L", 30, 0.8), fee=120000),
        P("AQUATIC-QUARANTINE-EXPORT", "Quarantine certificate for exported aquatic animals and products", "1d", ("L", 30, 0.8), fee=100000),
        P("FOOD-PLANT-ORIGIN-IMPORT", "Food safety inspection of imported food of plant origin", "3d", ("L", 40, 0.7), fee=500000),
        P("VET-HYGIENE-EXPORT", "Veterinary hygiene certificate for export", "2d", ("L", 35, 0.7), fee=100000),
        P("FOOD-ANIMAL-ORIGIN-IMPORT", "Food safety inspection of imported food of animal origin", "3d", ("L", 45, 0.7), fee=500000),
        P("FISHERY-EXPORT-CERT", "Food safety certificate for exported fishery products", "2d", ("L", 40, 0.7), fee=200000),
        P("IUU-CATCH-CERT", "Catch certificate (IUU) for fishery exports to the EU", "2d", ("L", 30, 0.7)),
        P("PHYTO-REEXPORT", "Phytosanitary certificate for re-export", "24h", ("L", 25, 0.8), fee=60000),
        P("FERTILIZER-IMPORT-INSPECTION", "Quality inspection of imported fertilisers", "3d", ("L", 50, 0.7), fee=300000),
        P("AQUA-FEED-IMPORT-INSPECTION", "Quality inspection of imported aquaculture feed and treatment products", "3d", ("L", 50, 0.7), fee=300000),
        P("ANIMAL-TRANSIT-QUARANTINE", "Quarantine of animal products in transit or temporarily imported for re-export", "1d", ("L", 30, 0.8), fee=100000),
        P("PLANT-TRANSIT-QUARANTINE", "Quarantine of plant products in transit or temporarily imported for re-export", "1d", ("L", 30, 0.8), fee=80000),
        P("TIMBER-LEGALITY-EXPORT", "Verification of the legality of exported timber (FLEGT)", "3d", ("L", 60, 0.7)),
        P("PESTICIDE-IMPORT-LICENCE", "Import licence for plant protection products not yet registered", "15d", ("L", 120, 0.6), fee=1000000, ar=(0.78, 0.07)),
        P("VET-DRUG-IMPORT-LICENCE", "Import licence for veterinary drugs", "10d", ("L", 120, 0.6), fee=800000),
        P("VET-VACCINE-IMPORT", "Import licence for veterinary vaccines and biologicals", "10d", ("L", 150, 0.6), fee=800000),
        P("CITES-EXPORT", "CITES export permit for wild fauna and flora specimens", "7d", ("L", 90, 0.7), fee=200000, ar=(0.80, 0.05)),
        P("CITES-IMPORT", "CITES import permit for wild fauna and flora specimens", "7d", ("L", 90, 0.7), fee=200000, ar=(0.80, 0.05)),
        P("SEED-IMPORT-LICENCE", "Import licence for plant varieties not yet listed", "10d", ("L", 120, 0.6), ar=(0.80, 0.06)),
        P("LIVESTOCK-BREED-IMPORT", "Import licence for livestock breeds and genetic material", "10d", ("L", 120, 0.6)),
        P("AQUATIC-BREED-IMPORT", "Import licence for aquatic breeds not yet listed", "10d", ("L", 120, 0.6)),
        P("PEST-RISK-ANALYSIS", "Pest risk analysis for plants imported for the first time", "30d", ("L", 480, 0.5), fee=2000000, ar=(0.70, 0.10)),
        P("GMO-FOOD-FEED-CERT", "Certificate of GM crops eligible for food and feed", "30d", ("L", 480, 0.5), ar=(0.72, 0.10)),
        P("PESTICIDE-TEST-IMPORT", "Import licence for plant protection products for testing", "10d", ("L", 90, 0.6)),
        P("FERTILIZER-IMPORT-LICENCE", "Import licence for unregistered fertilisers for testing or projects", "10d", ("L", 90, 0.6)),
        P("FOREST-SPECIMEN-EXPORT", "Export permit for specimens of forest plants and animals (non-CITES)", "7d", ("L", 90, 0.7), ar=(0.80, 0.06)),
        P("PLANT-GENETIC-EXCHANGE", "Permit for the international exchange of plant genetic resources", "20d", ("L", 240, 0.6), ar=(0.78, 0.08)),
        P("ANIMAL-GENETIC-EXPORT", "Export permit for rare livestock genetic resources", "20d", ("L", 240, 0.6), ar=(0.75, 0.10)),
        P("AQUA-TREATMENT-IMPORT", "Import licence for unregistered aquaculture environment treatment products", "10d", ("L", 90, 0.6)),
    ],
    "MOH": [
        P("FOOD-IMPORT-TIGHT", "Imported-food safety inspection, tightened regime", "3d", ("L", 40, 0.7), fee=1500000, ar=(0.86, 0.03), payload=3000),
        P("FOOD-IMPORT-NORMAL", "Imported-food safety inspection, normal regime", "2d", ("L", 25, 0.7), fee=300000, ar=(0.90, 0.02)),
        P("MEDICAL-DEVICE-IMPORT", "Import licence for medical devices", "15d", ("L", 90, 0.7), fee=3000000, payload=3800),
        P("COSMETIC-NOTIFICATION", "Notification of imported cosmetic products", "3d", ("L", 30, 0.7), fee=500000),
        P("DRUG-UNREGISTERED-IMPORT", "Import licence for drugs without a marketing authorisation", "15d", ("L", 120, 0.6), fee=1000000),
        P("DRUG-MATERIAL-IMPORT", "Import licence for pharmaceutical raw materials", "10d", ("L", 90, 0.6), fee=500000),
        P("IVD-REAGENT-IMPORT", "Import licence for in-vitro diagnostic reagents", "15d", ("L", 90, 0.6), fee=2000000),
        P("HEALTH-SUPPLEMENT-DECLARATION", "Registration of the declaration of an imported health supplement", "7d", ("L", 60, 0.7), fee=1500000, ar=(0.78, 0.05)),
        P("FOOD-EXPORT-CERT", "Health certificate for exported food", "3d", ("L", 30, 0.7), fee=150000),
        P("HOUSEHOLD-CHEM-IMPORT", "Import licence for household and medical insecticides and disinfectants", "10d", ("L", 60, 0.7), fee=500000),
        P("DRUG-CONTROLLED-IMPORT", "Import licence for specially controlled drugs (narcotic, psychotropic, precursor)", "15d", ("L", 150, 0.6), fee=1000000, ar=(0.80, 0.06)),
        P("FOOD-ADDITIVE-IMPORT", "Food safety inspection of imported additives and processing aids", "3d", ("L", 35, 0.7), fee=500000),
        P("FOOD-PACKAGING-IMPORT", "Food safety inspection of imported food containers and packaging", "3d", ("L", 30, 0.7), fee=500000),
        P("COSMETIC-CFS-EXPORT", "Certificate of free sale for exported cosmetics", "3d", ("L", 30, 0.7), fee=100000),
        P("DRUG-CPP-EXPORT", "Certificate of a pharmaceutical product (CPP) for export", "5d", ("L", 45, 0.7), fee=100000),
        P("MEDICAL-DEVICE-CFS", "Certificate of free sale for exported medical devices", "5d", ("L", 45, 0.7), fee=100000),
        P("FOOD-IMPORT-REDUCED", "Imported-food safety inspection, reduced regime", "1d", ("F", 15), ar=(0.95, 0.01)),
        P("DRUG-SAMPLE-IMPORT", "Import licence for drug samples for registration or testing", "10d", ("L", 60, 0.6), fee=500000),
        P("VACCINE-IMPORT", "Import licence for vaccines", "15d", ("L", 150, 0.6), fee=1000000),
        P("BIOLOGICAL-PRODUCT-IMPORT", "Import licence for medical biologicals", "15d", ("L", 150, 0.6), fee=1000000),
        P("HERBAL-MATERIAL-IMPORT", "Import licence for herbal medicinal materials", "10d", ("L", 75, 0.6), fee=500000),
        P("DRUG-CONTROLLED-EXPORT", "Export licence for specially controlled drugs", "15d", ("L", 150, 0.6), fee=1000000, ar=(0.80, 0.06)),
        P("PRECURSOR-MATERIAL-IMPORT", "Import licence for pharmaceutical precursor materials", "15d", ("L", 150, 0.6), fee=1000000, ar=(0.80, 0.06)),
        P("COSMETIC-SAMPLE-IMPORT", "Import of cosmetic samples for testing and research", "5d", ("L", 30, 0.7)),
        P("MEDICAL-DEVICE-AID-IMPORT", "Import of medical devices as aid or for research", "15d", ("L", 90, 0.6)),
        P("DRUG-AID-IMPORT", "Import of drugs as humanitarian aid", "15d", ("L", 90, 0.6)),
        P("DISINFECTANT-REGISTRATION", "Registration for circulation of imported disinfectants", "20d", ("L", 180, 0.6), fee=3000000, ar=(0.75, 0.06)),
        P("HEALTH-QUARANTINE-CARGO", "Border health quarantine of imported goods", "1d", ("E", 20), fee=100000),
        P("HUMAN-SPECIMEN-EXPORT", "Permit to export human biological specimens for testing", "10d", ("L", 60, 0.6)),
        P("MICROBE-SAMPLE-PERMIT", "Health quarantine permit for microbiological samples and biological products", "5d", ("L", 45, 0.7), fee=200000),
        P("MEDICAL-DEVICE-CLASSIFICATION", "Publication of a medical device classification result", "5d", ("L", 45, 0.7)),
        P("REMAINS-QUARANTINE", "Health quarantine of human remains and ashes crossing the border", "1d", ("F", 30), fee=200000, ar=(0.96, 0.01)),
    ],
    "MOT": [
        P("SHIP-ARRIVAL", "Arrival clearance for seagoing vessels at seaports", "2h", ("E", 20), ar=(0.93, 0.005), payload=3600),
        P("SHIP-DEPARTURE", "Departure clearance for seagoing vessels at seaports", "2h", ("E", 18), ar=(0.94, 0.005), payload=3200, boost=2.3),
        P("SHIP-PORT-TRANSFER", "Clearance for vessels moving between Vietnamese seaports", "2h", ("E", 18)),
        P("INLAND-SHIP-ARRIVAL", "Arrival clearance for inland-waterway vessels at ports", "2h", ("E", 15)),
        P("INLAND-SHIP-DEPARTURE", "Departure clearance for inland-waterway vessels at ports", "2h", ("E", 15), boost=1.3),
        P("VEHICLE-IMPORT-INSPECTION", "Safety and environmental inspection of imported motor vehicles", "5d", ("L", 45, 0.7), fee=500000),
        P("VEHICLE-PERMIT-LAOS", "Permit for commercial vehicles operating to Laos", "2d", ("L", 30, 0.6), fee=50000),
        P("VEHICLE-PERMIT-CAMBODIA", "Permit for commercial vehicles operating to Cambodia", "2d", ("L", 30, 0.6), fee=50000),
        P("VEHICLE-PERMIT-CHINA", "Vietnam-China international road transport permit", "3d", ("L", 35, 0.6), fee=50000),
        P("MOTORBIKE-IMPORT-INSPECTION", "Quality inspection of imported motorcycles", "5d", ("L", 40, 0.7), fee=300000),
        P("VEHICLE-PARTS-INSPECTION", "Quality inspection of imported vehicle components", "5d", ("L", 40, 0.7), fee=300000),
        P("GMS-TRANSPORT-PERMIT", "Greater Mekong Subregion cross-border transport permit", "3d", ("L", 35, 0.6), fee=50000),
        P("NONCOMMERCIAL-VEHICLE-PERMIT", "Permit for non-commercial vehicles to Laos and Cambodia", "2d", ("L", 25, 0.6), fee=50000),
        P("FOREIGN-VEHICLE-EXTENSION", "Extension of stay for foreign vehicles in Vietnam", "2d", ("L", 25, 0.6)),
        P("SPECIAL-VEHICLE-INSPECTION", "Inspection of imported special-purpose vehicles and construction machinery", "5d", ("L", 60, 0.7), fee=500000),
        P("ASEAN-TRANSPORT-LICENCE", "ASEAN international road transport licence", "5d", ("L", 60, 0.6), fee=200000),
        P("RAIL-CROSS-BORDER", "International rail transport permit (Vietnam-China)", "3d", ("L", 45, 0.6)),
        P("FOREIGN-FLIGHT-PERMIT", "Flight permit for foreign civil aircraft", "3d", ("L", 60, 0.6), fee=500000),
        P("AIR-DANGEROUS-GOODS", "Permit to carry dangerous goods by air", "3d", ("L", 60, 0.6), fee=300000),
        P("FOREIGN-VESSEL-CABOTAGE", "Licence for a foreign vessel to carry domestic cargo", "5d", ("L", 90, 0.6), fee=1000000, ar=(0.80, 0.06)),
        P("PROVISIONAL-REGISTRY", "Provisional certificate of Vietnamese nationality for a vessel", "3d", ("L", 60, 0.6), fee=500000),
        P("PILOTAGE-EXEMPTION", "Certificate of exemption from compulsory pilotage", "5d", ("L", 60, 0.6), fee=500000),
    ],
    "MONRE": [
        P("SCRAP-IMPORT-CERT", "Certificate of environmental eligibility for importing scrap", "25d", ("L", 180, 0.7), fee=2000000, ar=(0.75, 0.08)),
        P("SCRAP-CONSIGNMENT-CHECK", "Environmental quality check of an imported scrap consignment", "3d", ("L", 90, 0.7), fee=500000),
        P("ODS-IMPORT-REGISTRATION", "Import registration for ozone-depleting substances (HCFC)", "7d", ("L", 120, 0.6)),
        P("HCFC-EQUIPMENT-IMPORT", "Import registration for equipment containing HCFC", "7d", ("L", 120, 0.6)),
        P("HAZARDOUS-WASTE-TRANSBOUNDARY", "Transboundary movement of hazardous waste (Basel Convention)", "30d", ("L", 300, 0.6), ar=(0.70, 0.12)),
        P("GMO-BIOSAFETY", "Biosafety certificate for genetically modified organisms", "30d", ("L", 360, 0.5), ar=(0.70, 0.12)),
        P("GENETIC-RESOURCE-EXPORT", "Licence to take genetic resources abroad for research", "30d", ("L", 300, 0.6), ar=(0.72, 0.10)),
        P("SEA-DUMPING-PERMIT", "Permit for dumping dredged material at sea", "30d", ("L", 360, 0.5), fee=3000000, ar=(0.70, 0.10)),
    ],
    "MOST": [
        P("QUALITY-INSPECTION-IMPORT", "State quality inspection of imported group-2 goods", "1d", ("L", 30, 0.7), payload=2600),
        P("STEEL-QUALITY-IMPORT", "Quality inspection of imported steel", "1d", ("L", 35, 0.7)),
        P("TOY-QUALITY-IMPORT", "Quality inspection of imported children's toys", "1d", ("L", 30, 0.7)),
        P("HELMET-QUALITY-IMPORT", "Quality inspection of imported motorcycle helmets", "1d", ("L", 30, 0.7)),
        P("XRAY-IMPORT", "Licence to import X-ray equipment", "10d", ("L", 120, 0.6), fee=1000000),
        P("RADIATION-SOURCE-IMPORT", "Licence to import radioactive sources", "10d", ("L", 180, 0.6), fee=2000000, ar=(0.80, 0.05)),
        P("MEASURING-INSTRUMENT-APPROVAL", "Pattern approval of imported measuring instruments", "15d", ("L", 150, 0.6), fee=1500000),
        P("GOLD-JEWELLERY-QUALITY", "Quality inspection of imported gold jewellery", "2d", ("L", 45, 0.7)),
        P("TECH-TRANSFER-REGISTRATION", "Registration of a technology transfer from abroad", "15d", ("L", 240, 0.6), ar=(0.78, 0.06)),
        P("RADIATION-SOURCE-EXPORT", "Licence to export radioactive sources", "10d", ("L", 180, 0.6), fee=2000000),
        P("NUCLEAR-MATERIAL-IMPORT", "Licence to import nuclear material and equipment", "20d", ("L", 360, 0.5), fee=5000000, ar=(0.75, 0.08)),
        P("RADIOACTIVE-TRANSIT", "Permit to transport radioactive material in transit", "10d", ("L", 240, 0.5), fee=2000000, ar=(0.78, 0.06)),
    ],
    "MIC": [
        P("RADIO-EQUIPMENT-IMPORT", "Import licence for radio transmitting equipment", "5d", ("L", 45, 0.7), payload=2200),
        P("ICT-CONFORMITY-IMPORT", "Quality inspection of imported ICT products", "2d", ("L", 35, 0.7)),
        P("PUBLICATION-IMPORT-REG", "Registration of imported publications for business", "2d", ("L", 40, 0.7)),
        P("USED-ICT-IMPORT", "Import licence for used IT products", "5d", ("L", 75, 0.6), ar=(0.78, 0.08)),
        P("PUBLICATION-IMPORT", "Import licence for publications not for business", "5d", ("L", 45, 0.7)),
        P("PRINTING-EQUIPMENT-IMPORT", "Import licence for printing equipment", "5d", ("L", 60, 0.6)),
        P("BROADCAST-TRANSMITTER-IMPORT", "Import licence for broadcasting transmitters", "10d", ("L", 120, 0.6), fee=500000),
        P("SATELLITE-TERMINAL-IMPORT", "Import licence for satellite terminals", "10d", ("L", 120, 0.6), fee=500000),
        P("SHIP-STATION-LICENCE", "Radio frequency licence for a ship station", "5d", ("L", 60, 0.6), fee=300000),
        P("POSTAGE-STAMP-IMPORT", "Import licence for postage stamps", "5d", ("L", 45, 0.6)),
    ],
    "MOCST": [
        P("CULTURAL-GOODS-IMPORT", "Import approval for cultural goods", "3d", ("L", 60, 0.7), payload=1800),
        P("FILM-IMPORT", "Import approval for films", "7d", ("L", 180, 0.6), fee=1000000),
        P("AUDIO-VIDEO-IMPORT", "Import approval for audio and video recordings", "5d", ("L", 90, 0.7)),
        P("ARTWORK-IMPORT", "Import approval for works of fine art and photographs", "7d", ("L", 120, 0.7)),
        P("GAME-MACHINE-IMPORT", "Import licence for electronic gaming machines", "10d", ("L", 180, 0.6), ar=(0.75, 0.08)),
        P("EXHIBITION-GOODS-IMPORT", "Temporary import of cultural products for exhibitions", "5d", ("L", 90, 0.7)),
        P("SPORTS-WEAPON-CONFIRM", "Confirmation for importing sports weapons", "10d", ("L", 150, 0.6), ar=(0.75, 0.08)),
        P("ANTIQUE-EXPORT", "Export permit for antiques and copies of relics", "15d", ("L", 240, 0.6), ar=(0.70, 0.12)),
        P("RELIC-TEMPORARY-EXPORT", "Temporary export of relics and national treasures for exhibition", "30d", ("L", 480, 0.5), ar=(0.70, 0.10)),
    ],
    "MPS": [
        P("WEAPON-IMPORT", "Permit to import weapons and support tools", "10d", ("L", 120, 0.6), fee=500000),
        P("SUPPORT-TOOL-IMPORT", "Permit to import support tools (batons, sprays)", "7d", ("L", 90, 0.6), fee=300000),
        P("SECURITY-EQUIPMENT-IMPORT", "Permit to import specialised security equipment", "10d", ("L", 120, 0.6)),
        P("FIREWORK-IMPORT", "Permit to import fireworks", "7d", ("L", 90, 0.6), fee=300000),
        P("EXPLOSIVE-TRANSPORT", "Permit to transport industrial explosives", "3d", ("L", 60, 0.6), fee=200000),
        P("FIRE-EQUIPMENT-INSPECTION", "Inspection of imported fire-fighting equipment", "5d", ("L", 90, 0.7), fee=300000),
        P("WEAPON-TRANSIT", "Transit permit for weapons and support tools", "10d", ("L", 120, 0.6), ar=(0.75, 0.10)),
        P("PRECURSOR-TRANSIT", "Transit permit for drug precursors", "10d", ("L", 120, 0.6), ar=(0.75, 0.10)),
        P("FOREIGN-VEHICLE-REGISTRATION", "Temporary registration of foreign vehicles", "3d", ("L", 45, 0.6), fee=150000),
    ],
    "MOD": [
        P("BORDER-GUARD-CLEARANCE", "Border-guard procedures for vessels at border checkpoints", "2d", ("L", 60, 0.6), ar=(0.92, 0.01)),
        P("MILITARY-GOODS-IMPORT", "Import licence for military-use goods", "15d", ("L", 120, 0.6)),
        P("CIVIL-CRYPTO-IMPORT", "Import licence for civil cryptography products", "10d", ("L", 120, 0.6), fee=500000),
        P("MILITARY-GOODS-EXPORT", "Export licence for military-use goods", "15d", ("L", 120, 0.6)),
        P("MILITARY-PORT-ENTRY", "Permit for foreign vessels calling at military-managed ports", "5d", ("L", 90, 0.6)),
        P("MILITARY-EXPLOSIVE-TRANSIT", "Transit permit for explosives of military use", "15d", ("L", 120, 0.6), ar=(0.75, 0.10)),
    ],
    "SBV": [
        P("FX-CASH-IMPORT", "Licence for a credit institution to import foreign-currency cash", "5d", ("L", 90, 0.6)),
        P("RAW-GOLD-IMPORT", "Licence to import raw gold for jewellery production", "10d", ("L", 120, 0.6), ar=(0.75, 0.10)),
        P("FX-CASH-EXPORT", "Licence for a credit institution to export foreign-currency cash", "5d", ("L", 90, 0.6)),
        P("RAW-GOLD-EXPORT", "Licence to export raw gold", "10d", ("L", 120, 0.6), ar=(0.75, 0.10)),
    ],
    "VCCI": [
        P("CO-FORM-B", "Non-preferential certificate of origin form B", "8h", ("L", 12, 0.6), fee=100000, payload=2400),
        P("CO-REISSUE", "Re-issue or amendment of a VCCI certificate of origin", "8h", ("L", 15, 0.6), fee=50000),
        P("ATA-CARNET", "ATA carnet for temporary admission of goods", "2d", ("L", 45, 0.6), fee=1500000),
        P("CO-FORM-ICO", "Certificate of origin for coffee (ICO form)", "8h", ("L", 12, 0.6), fee=100000),
    ],
}


def fmt(x):
    """Shortest exact-looking text for a number (no trailing zeros)."""
    if float(x).is_integer():
        return str(int(x))
    return ("%.6g" % x)


def distribution(kind, mean, cv=None):
    if kind == "F":
        return "{ kind: FIXED mean: %s }" % fmt(mean)
    if kind == "E":
        return "{ kind: EXPONENTIAL mean: %s }" % fmt(mean)
    return "{ kind: LOGNORMAL mean: %s cv: %s }" % (fmt(mean), fmt(cv))


def build():
    if len(MINISTRIES) != 13:
        sys.exit("want 13 ministries, have %d" % len(MINISTRIES))
    total_procedures = sum(len(v) for v in PROCEDURES.values())
    if total_procedures != 198:
        sys.exit("want 198 procedures, have %d" % total_procedures)
    if abs(sum(m["share"] for m in MINISTRIES) - 1) > 1e-9:
        sys.exit("ministry shares must sum to 1")

    procedures = []  # dicts with everything the textproto needs
    for m in MINISTRIES:
        procs = PROCEDURES[m["code"]]
        harmonic = sum(p["boost"] / (i + 1) ** m["zipf"] for i, p in enumerate(procs))
        for i, p in enumerate(procs):
            approve, reject = p["ar"] or m["ar"]
            supplement = round(1 - approve - reject, 6)
            # Popularity is a global weight: the ministry's share of all
            # dossiers split Zipf-wise over its procedures, x 10,000.
            weight = 10000 * m["share"] * p["boost"] / harmonic / (i + 1) ** m["zipf"]
            weight = float("%.4g" % weight)
            kind = p["service"][0]
            mean_s = p["service"][1] * 60
            cv = p["service"][2] if kind == "L" else None
            deadline = p["deadline"]
            procedures.append(dict(
                code="%s.%s" % (m["code"], p["short"]), ministry=m["code"], name=p["name"],
                real_code="%s06%05d" % (m["prefix"], i + 1),
                service=(kind, mean_s, cv),
                deadline=("working_hours" if deadline.endswith("h") else "working_days", float(deadline[:-1])),
                approve=approve, reject=reject, supplement=supplement, fee=p["fee"],
                # The enterprise's reaction times vary a little by procedure
                # (deterministically) around the ministry's typical figure.
                pay_s=m["pay_h"] * 3600 * (1 + 0.25 * (i % 3)),
                supp_s=m["supp_h"] * 3600 * (1 + 0.25 * (i % 4)),
                withdraw=(0.01, 0.015, 0.02, 0.025, 0.03)[i % 5],
                popularity=weight,
                payload=p["payload"] or m["payload"]))

    total_weight = sum(p["popularity"] for p in procedures)
    sizing = []
    for m in MINISTRIES:
        own = [p for p in procedures if p["ministry"] == m["code"]]
        w = sum(p["popularity"] for p in own)
        share = w / total_weight
        lam = DOSSIERS_PER_WORKING_DAY * share / OFFICE_HOURS_PER_DAY
        work_h = sum(p["popularity"] * p["service"][1] / 3600 / (1 - p["supplement"]) for p in own) / w
        load = lam * work_h
        officers = max(1, round(load / TARGET_UTILISATION))
        util = load / officers
        if not MIN_UTILISATION <= util <= MAX_UTILISATION:
            sys.exit("%s: utilisation %.2f outside [%.1f, %.1f]; adjust its share or service times"
                     % (m["code"], util, MIN_UTILISATION, MAX_UTILISATION))
        m["officers"] = officers
        sizing.append((m["code"], share, lam, work_h, load, officers, util))
    return procedures, sizing


def emit(procedures, sizing, out):
    w = out.write
    w("# nswsim default catalog: Vietnam's National Single Window, 13 ministries\n"
      "# and agencies and 198 procedures (facts and estimates: DOMAIN.md).\n"
      "# Generated by proto/gen_default_catalog.py; this file is the source of\n"
      "# truth that the binaries embed. Edit the script's tables and rerun it:\n"
      "#   python3 proto/gen_default_catalog.py > proto/default_catalog.textproto\n"
      "#\n"
      "# Times are seconds (service time: officer working time per review;\n"
      "# reaction delays: calendar time), payloads bytes, fees VND. Popularity is\n"
      "# a relative weight across the whole catalog. real_code follows the real\n"
      "# NSW numbering style (ministry + \"06\" + five digits); the numbers are\n"
      "# illustrative.\n"
      "#\n"
      "# Officer sizing. The default trace is 3,000,000 dossiers in 5 years of\n"
      "# ~250 working days = %d a working day, concentrated in the 9 office hours:\n"
      "#   lambda = %d * share / 9 per office hour, share = ministry popularity / total\n"
      "#   work   = popularity-weighted mean of service hours / (1 - supplement_probability)\n"
      "#            (a supplement sends the dossier back for another review)\n"
      "#   utilisation = lambda * work / officers, aimed at ~%.1f on an average day so\n"
      "#   month-end and pre-Tet peaks and yearly growth still fit.\n"
      "# ALWAYS ministries get the same office-hours figure: their busiest hours.\n"
      "#\n"
      "#   ministry  share   lambda/h  work h  load    officers  utilisation\n"
      % (DOSSIERS_PER_WORKING_DAY, DOSSIERS_PER_WORKING_DAY, TARGET_UTILISATION))
    for code, share, lam, work_h, load, officers, util in sizing:
        w("#   %-8s  %.4f  %7.2f   %6.3f  %6.2f  %8d  %.2f\n" % (code, share, lam, work_h, load, officers, util))
    w("\nname: \"Vietnam National Single Window (default)\"\n\n")
    w("# Public holidays (local dates), applied to every OFFICE_HOURS calendar.\n")
    for _, what, days in HOLIDAYS:
        w("# %s\n" % what)
        w("holidays: [%s]\n" % ", ".join('"%s"' % d for d in days))
    w("\n")
    for m in MINISTRIES:
        w("ministries {\n")
        w("  code: \"%s\"\n  name: \"%s\"\n  officers: %d\n" % (m["code"], m["name"], m["officers"]))
        if m["calendar"] == "ALWAYS":
            w("  calendar { kind: ALWAYS }\n")
        else:
            w("  calendar { kind: OFFICE_HOURS utc_offset_minutes: 420 open_minute: 480 close_minute: 1020 }\n")
        w("  queue_policy: %s\n}\n" % m["queue"])
    for m in MINISTRIES:
        w("\n# ---- %s: %s\n" % (m["code"], m["name"]))
        for p in procedures:
            if p["ministry"] != m["code"]:
                continue
            w("procedures {\n")
            w("  code: \"%s\"\n  ministry: \"%s\"\n  name: \"%s\"\n  real_code: \"%s\"\n"
              % (p["code"], p["ministry"], p["name"], p["real_code"]))
            w("  service_time %s\n" % distribution(*p["service"]))
            w("  deadline { %s: %s }\n" % (p["deadline"][0], fmt(p["deadline"][1])))
            w("  approve_probability: %s\n  reject_probability: %s\n  supplement_probability: %s\n"
              % (fmt(p["approve"]), fmt(p["reject"]), fmt(p["supplement"])))
            w("  fee_vnd: %d\n" % p["fee"])
            w("  fee_payment_delay %s\n" % distribution("L", p["pay_s"], 1.0))
            w("  supplement_delay %s\n" % distribution("L", p["supp_s"], 1.2))
            w("  withdraw_probability: %s\n" % fmt(p["withdraw"]))
            w("  popularity: %s\n" % fmt(p["popularity"]))
            w("  payload_bytes %s\n" % distribution("L", p["payload"], 0.7))
            w("}\n")


def main():
    procedures, sizing = build()
    emit(procedures, sizing, sys.stdout)
    for code, share, lam, work_h, load, officers, util in sizing:
        print("%-6s share %.4f lambda %.2f/h work %.3f h load %.2f officers %d util %.2f"
              % (code, share, lam, work_h, load, officers, util), file=sys.stderr)


if __name__ == "__main__":
    main()
