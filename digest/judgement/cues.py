"""Built-in cue lists for policy relevance and significance: real-world vocabularies.

Each list names a kind of thing a news item can be about: the public bodies that act (regulators,
courts, law enforcement, legislatures, worldwide) and the laws they apply, harm done and flaws
exploited, the instruments of rule-making and oversight, and the kinds of news that are not policy
news whatever words they share with it (sport, entertainment, accidents and disasters, street
crime, markets, product news, event listings and a vendor's own voice, vendor research marketing,
general politics, trade politics). Word lists that read a headline's grammar follow: who attacks in
a threat-intelligence write-up and with what, a flaw told as attacked, how a feature or a listicle
opens, what a round-up calls itself, and compounds in which a cue word names no act ("law firm").
The taxonomy file's `[relevance.cues]` table is read after the cue groups: a group of the same name
there replaces the one here (a weight of 0 makes it evidence only through another group's `unless`
or `requires`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATTACKERS",
    "BINDING",
    "BODIES",
    "BUILTIN_CUES",
    "COMMON_BODIES",
    "INDIVIDUALS",
    "LAWS",
    "SAYING",
    "SCALE_TERMS",
    "SECTIONS",
    "TENTATIVE",
    "TOOLS",
    "BuiltinCues",
    "CAMPAIGN_VERBS",
    "CAREER_VERBS",
    "CLAIMED",
    "FEATURES",
    "FLAWS",
    "FLAW_NOUNS",
    "FLAW_TARGETED",
    "GOVERNING_VERBS",
    "LISTED",
    "NOT_ACTS",
    "REPORTING_VERBS",
    "ROUNDUPS",
]


@dataclass(frozen=True)
class BuiltinCues:
    """One cue group: its name, weight (negative: evidence against policy news), terms, and the
    groups whose presence, as prominent, cancels it."""

    name: str
    weight: float
    terms: tuple[str, ...]
    unless: tuple[str, ...] = ()


# Public bodies that act on digital policy, by their names and acronyms as headlines write them.
# A name here is evidence of an authority acting only when the taxonomy's own actor list found
# none (`unless`), so one authority named twice counts once.
BODIES: tuple[str, ...] = (
    # EU and international
    "European Parliament", "Council of the EU", "Court of Justice", "CJEU", "General Court",
    "EDPS", "AI Office", "Eurojust", "ENISA", "ESMA", "EBA", "ECB", "BEREC", "United Nations",
    "OECD", "Council of Europe", "European Board for Digital Services",
    "Digital Services Coordinator", "Digital Services Coordinators",
    # data protection and competition authorities
    "data protection authority", "data protection authorities", "privacy regulator",
    "privacy commissioner", "information commissioner", "DPC", "Garante", "AEPD", "Datatilsynet",
    "IMY", "CNPD", "Bundeskartellamt", "BfDI", "BaFin", "BSI", "ANSSI", "AGCM", "AGCOM", "ACM",
    "CNMC", "Arcep", "ACCC", "OAIC", "ASIC", "ACMA", "KFTC", "PIPC", "FSC", "CAC", "SAMR", "MIIT",
    "MeitY", "CCI", "SEBI", "RBI", "TRAI", "ANPD", "CADE", "Anatel", "OPC", "CRTC",
    "Competition Bureau", "FCA", "PSR", "NCA", "Action Fraud", "CPPA", "Serious Fraud Office",
    "RCMP", "FINTRAC", "OSFI", "AUSTRAC", "BKA", "Bundesnetzagentur", "Arcom", "UIDAI",
    "Enforcement Directorate", "Lok Sabha", "Rajya Sabha", "MOFCOM", "competition authority",
    "competition regulator", "antitrust regulator", "antitrust enforcers",
    # United States
    "Federal Trade Commission", "Federal Communications Commission",
    "Securities and Exchange Commission", "Department of Justice", "Commerce Department",
    "Department of Commerce", "State Department", "Homeland Security", "DHS", "NSA", "CFPB",
    "CFTC", "FINRA", "OFAC", "Bureau of Industry and Security", "Secret Service", "HHS",
    "FinCEN", "NTIA", "Copyright Office",
    "Supreme Court", "federal judge", "federal court", "appeals court", "district court",
    "grand jury", "state attorney general", "attorney general", "governor", "state legislature",
    # courts, legislatures and law enforcement in general
    "High Court", "top court", "tribunal", "ombudsman", "Bundestag", "Duma", "MPs", "MEPs",
    "legislature", "lawmaker", "prosecutor", "public prosecutor", "cyber agency",
    "national security agency", "intelligence agency", "security service", "Home Secretary",
    "secretary of state", "prime minister",
)  # fmt: skip

# Public bodies named by a common noun: a sentence-case headline writes them lowercase ("A federal
# judge finds ...", "Yukon government sends ..."), and they act as their capitalised names do.
# Place names and acronyms stay capitalised to act ("us warns" is no act of the US).
COMMON_BODIES: tuple[str, ...] = (
    "government", "governments", "regulator", "regulators", "watchdog", "watchdogs",
    "authorities", "police", "court", "courts", "judge", "judges", "ministry", "minister",
    "lawmakers", "legislators", "prosecutors", "jury", "commission", "parliament", "senate",
    "congress", "administration", "govt",
)  # fmt: skip

# Verbs of making, unmaking and judging law, which a public body as a headline's subject tells as
# its act ("Trump signs AI safety order", "Governor vetoes ..."), in addition to the taxonomy
# file's `[relevance.acting]` verbs: none of them is what a body does to its own offices or apps.
GOVERNING_VERBS: tuple[str, ...] = (
    "sign", "enact", "ratify", "veto", "repeal", "rescind", "revoke", "overturn", "uphold",
    "prosecute",
)  # fmt: skip

# Laws and bills by the names headlines give them ("GDPR", "Section 230", "KOSA"): a law named is
# an obligation in the story, as the word "law" is. Names that are also ordinary words or other
# things when lowercased ("DMA" is direct memory access, "DORA" a name, "DMCC" a Dubai free
# zone) are left out, and so are names that general politics cites as often ("First Amendment");
# a law named "... Act" is found by the action group's "act".
LAWS: tuple[str, ...] = (
    # EU
    "GDPR", "General Data Protection Regulation", "DSA", "NIS2", "NIS 2", "MiCA", "eIDAS",
    "ePrivacy", "Chat Control", "CSAM regulation",
    # United Kingdom
    "Investigatory Powers", "Computer Misuse",
    # United States
    "COPPA", "KOSA", "CCPA", "CPRA", "HIPAA", "FISA", "Section 702", "Section 230", "CFAA", "ECPA",
    "GLBA", "FERPA", "BIPA", "CIRCIA",
    # elsewhere
    "PIPL", "LGPD", "DPDP", "APPI", "PIPEDA", "POPIA",
)  # fmt: skip

# what outweighs a sign of non-policy news: an act, an action, or a harm that happened
_TOLD_ACT = ("acting", "action", "incident", "exploited")
# ... and, for news outside policy (accidents, lifestyle, street crime), technology or an online
# service named with it, or harm to systems: a police probe of a crash or a court's sentence for
# a stabbing is no digital policy, whoever acts
_DIGITAL = ("technology", "services", "incident", "exploited", "harm")
# ... and, for sport and entertainment, those or a public body acting in the headline (a court
# on a league's rules, an antitrust suit against a ticket seller): a league's ban on a player, a
# singer ordered to pay a label or a club fined by its federation is sport and entertainment
_BODY_OR_DIGITAL = ("acting", *_DIGITAL)
# ... and, for business and marketing, any authority named in it
_NAMED_AUTHORITY = ("actor", "authority", "measure", *_TOLD_ACT)

BUILTIN_CUES: tuple[BuiltinCues, ...] = (
    BuiltinCues("authority", 0.75, BODIES, unless=("actor",)),
    # a law named, unless an act or a law word is told as prominently already ("AI Act" is "act")
    BuiltinCues("law", 1.0, LAWS, unless=("action",)),
    # an age limit on children's use of a service is a rule ("kids under 16", "under-16s"),
    # whoever sets it: a law, or a platform's answer to one
    BuiltinCues(
        "age limit",
        1.0,
        (
            "under 13", "under 14", "under 15", "under 16", "under 18", "minimum age",
            "age limit", "age limits", "age restriction", "age restrictions", "age ban",
        ),
    ),
    # the instruments and findings of rule-making and oversight, in the words the action list
    # leaves out (its synonyms: "clampdown" as "crackdown", "moratorium" as "ban"), unless an
    # action is told as prominently already; none that software uses too ("guardrails",
    # "restrictions", "blacklist", "oversight")
    BuiltinCues(
        "oversight",
        1.0,
        (
            "clampdown", "moratorium", "scrutiny", "auditor", "statute", "decree", "ordinance",
            "treaty", "embargo", "export controls", "entity list", "unlawful", "unconstitutional",
            "overturned", "upheld", "testimony", "testified", "whistleblower", "petition",
            # illegality told as found or made, not a thing's kind ("illegal streaming")
            "ruled illegal", "deemed illegal", "declared illegal", "found illegal",
            "made illegal", "become illegal", "becomes illegal", "is illegal", "are illegal",
            "was illegal", "were illegal",
        ),
        unless=("action",),
    ),
    # what befalls an organisation or its users, beyond the taxonomy's incident words
    BuiltinCues(
        "harm",
        1.0,
        (
            "ransomware gang", "cyber incident", "security incident", "unauthorized access",
            "unauthorised access", "intrusion", "data exposure", "exposed data", "wiper", "DDoS",
            "deface", "defaced", "hijacked", "suffers", "knocked offline", "went offline",
            "disruption", "crippled", "cripples", "paralysed", "paralyzed", "poisoned",
            "trojanized", "trojanised", "trojanizes", "trojanises", "backdoored",
            # attacks on a service's accounts: its users harmed, whatever the attacker's tools
            "brute-force attack", "brute-force attacks", "brute force attack",
            "brute force attacks", "credential stuffing", "password spraying",
            "account takeover", "account takeovers",
        ),
        unless=("incident", "exploited", "routine"),
    ),
    # a flaw being exploited now, as a verb ("actively exploits"): the taxonomy has the participle
    BuiltinCues(
        "exploiting",
        1.0,
        (
            "actively exploits", "being exploited", "exploiting", "abused in attacks",
            "attempting to exploit", "attempts to exploit", "attempted to exploit",
        ),
        unless=("exploited", "routine"),
    ),
    BuiltinCues(
        "sport",
        -3.0,
        (
            "football", "soccer", "basketball", "baseball", "cricket", "rugby", "tennis", "golf",
            "Formula 1", "Grand Prix", "Olympics", "Olympic", "World Cup", "Premier League",
            "Champions League", "NBA", "NFL", "MLB", "NHL", "UEFA", "championship", "playoffs",
            "Super Bowl", "Wimbledon", "marathon", "boxing", "UFC", "sports", "striker",
            "quarterback", "midfielder", "goalkeeper", "footballer", "footballers", "athlete",
            "athletes", "head coach",
        ),
        unless=_BODY_OR_DIGITAL,
    ),
    BuiltinCues(
        "entertainment",
        -3.0,
        (
            "box office", "trailer", "TV series", "TV show", "sitcom", "season finale", "episode",
            "singer", "rapper", "pop star", "Hollywood", "Oscars", "Grammys", "Emmys",
            "royal family", "red carpet", "fans", "documentary", "memoir", "comedian",
            "Christmas ad", "advert", "video game", "games console", "anime", "reality show",
            "celebrities", "musician", "sequel", "talk show", "TV host",
        ),
        unless=_BODY_OR_DIGITAL,
    ),
    BuiltinCues(
        "mishap",
        -3.0,
        (
            "earthquake", "floods", "flooding", "wildfire", "wildfires", "hurricane", "typhoon",
            "tornado", "heatwave", "plane crash", "car crash", "train crash", "derailed",
            "shooting", "stabbing", "avalanche", "landslide", "drowned", "injured",
            "drowning", "gas explosion", "blaze", "evacuated", "evacuation", "volcano",
            "heat wave", "snowstorm", "blizzard",
        ),
        unless=_DIGITAL,
    ),
    BuiltinCues(
        "lifestyle",
        -3.0,
        (
            "diet", "fitness", "workout", "skincare", "fashion week", "travel tips", "vacation",
            "wellness", "dinosaur", "fossil", "telescope", "asteroid", "spacecraft", "galaxy",
            "astronomers", "archaeologists", "cancer", "dementia",
        ),
        unless=_DIGITAL,
    ),
    # a vendor's round of fixes told by its size or severity ("SAP Patches Critical ..."):
    # routine patch news, unless a flaw in it is exploited or an authority orders the patching
    BuiltinCues(
        "patches",
        -1.5,
        (
            "patches critical", "patch critical", "fixes critical", "patches high-severity",
            "fixes high-severity", "out-of-band patches", "patches dozens", "patches multiple",
        ),
        unless=("exploited", "exploiting", *_NAMED_AUTHORITY),
    ),
    # business news: money moving between companies and markets, not authorities acting
    BuiltinCues(
        "markets",
        -1.5,
        (
            "shares", "stock", "stocks", "share price", "quarterly", "revenue", "profit",
            "profits", "IPO", "valuation", "Series A", "Series B", "Series C", "seed round",
            "acquires", "acquisition", "to acquire", "buys", "to buy", "snags", "investors",
            "market cap", "price prediction", "price analysis", "rally", "surges", "soars",
            "plunges", "tumbles", "bullish", "bearish", "forecast", "sales",
        ),
        unless=_NAMED_AUTHORITY,
    ),
    BuiltinCues(
        "product",
        -1.5,
        (
            "now available", "available now", "generally available", "general availability",
            "introduces", "new feature", "new features", "first look", "preorder", "pre-order",
            "release date", "specs", "smartphone", "laptop", "headphones", "earbuds", "smartwatch",
            "gadget", "releases", "rolls out", "adds support", "integration", "integrates",
            "platform for", "solution", "customers can",
        ),
        # a platform's new protection for minors is a trust-and-safety policy change (guidelines
        # §1: teen protections), whatever words its launch is told in
        unless=(*_NAMED_AUTHORITY, "harm", "minors"),
    ),
    # event listings and promotion: what a calendar or a marketing mail says
    BuiltinCues(
        "listing",
        -2.0,
        (
            "webinar", "webinars", "workshop", "virtual event", "livestream", "register now",
            "join us", "save the date", "call for papers", "fireside chat", "hackathon", "tickets",
            "on-demand", "press conference", "media advisory", "virtual summit", "symposium",
            "keynote", "sponsored content", "sponsored post", "partner content",
            # hacking contests: flaws shown on a stage, for prizes, not harm done
            "Pwn2Own", "hacking contest", "hacking competition", "capture the flag",
            # an outlet asking its readers for money
            "fundraiser", "fundraising drive", "reader donations", "donate now",
            "support our journalism", "become a member", "become a supporter",
            # a calendar's entry: the kind of gathering, and how to attend it
            "seminar", "seminars", "masterclass", "meetup", "expo",
            "info session", "information session", "register here", "register today",
            "registration is open", "registration now open", "registration opens", "RSVP",
            "in-person event", "online event", "hybrid event", "panelists",
            # a vendor speaking of itself to its customers (whatever law its product serves:
            # only a body acting outweighs it): its pleasure, its offers
            "we're excited", "we are excited", "we're thrilled", "we are thrilled",
            "we're proud", "we are proud", "pleased to announce", "excited to announce",
            "thrilled to announce", "proud to announce", "free trial", "book a demo",
            "request a demo", "schedule a demo", "customer story",
            "customer stories", "release notes", "get started",
        ),
        unless=("acting",),
    ),
    # crime of the street and the home (violence, drugs, weapons): a local court's or police
    # force's case, not digital policy, unless technology or an online service is named as
    # prominently (a threat made online, a shooting that moves a chatbot rule) or harm to
    # systems is told; an arrest or a charge is what such news always tells, so no act cancels it
    BuiltinCues(
        "crime",
        -3.0,
        (
            "murder", "murdered", "homicide", "manslaughter", "sexual assault",
            "sexually assaulted", "aggravated assault", "assaulted", "robbery", "burglary",
            "stabbed", "shot dead", "gunman", "drug trafficking", "impaired driving",
            "drunk driving", "kidnapping", "kidnapped", "arson", "carjacking", "firearm",
            "firearms", "weapons charges", "uttering threats", "domestic violence",
        ),
        unless=_DIGITAL,
    ),
    # vendor research marketing: surveys, predictions and reports sold as news
    BuiltinCues(
        "marketing",
        -1.5,
        (
            "survey", "surveyed", "respondents", "whitepaper", "e-book", "ebook", "infographic",
            "predictions", "trends", "CISOs", "Gartner", "Forrester", "Magic Quadrant", "top 10",
            "top five", "checklist", "best practices", "buyer's guide", "market report",
            "market size", "CAGR",
            # the language of a vendor's announcement, which news reports of it leave out (only
            # words whose first part is rare: each phrase is searched wherever that part is)
            "industry-leading", "cutting-edge", "enterprise-grade", "seamless", "seamlessly",
            "empowers", "streamlines", "revolutionize", "revolutionise",
        ),
        unless=_NAMED_AUTHORITY,
    ),
    # general politics outside the taxonomy's digital topics (the guidelines' immigration, wars,
    # budgets, elections, public health; culture wars; "DEI" only in phrases, as it is Italian
    # for "of the", as in the Garante's full name)
    BuiltinCues(
        "politics",
        -2.0,
        (
            "Obamacare", "Medicaid", "Medicare", "abortion", "immigration", "asylum",
            "deportation", "deportations", "migrants", "ceasefire", "airstrike", "airstrikes",
            "troops", "missile", "missiles", "midterms", "Gaza", "Hamas", "Hezbollah",
            "gun control", "minimum wage", "interest rates", "inflation", "pension", "pensions",
            "tax cuts", "government shutdown", "peace talks", "opinion poll", "refugees",
            "invasion", "climate change", "emissions", "net zero", "energy prices", "welfare",
            "public health", "Pope", "Vatican", "strike action", "nuclear weapons", "diplomats",
            "ambassador", "foreign minister", "defence spending", "defense spending", "soldiers",
            "recession", "unemployment", "GDP", "jobs report", "peace deal", "hostages", "coup",
            "impeachment", "DEI programs", "DEI policies", "DEI initiatives", "anti-DEI",
            "DEI efforts", "DEI practices", "over DEI", "against DEI",
            "diversity, equity", "transgender", "trans athletes",
            "executive privilege", "January 6", "Jan. 6", "gerrymandering", "redistricting",
            "filibuster", "National Guard",
        ),
        unless=("incident", "exploited", "harm"),
    ),
    # trade politics: tariffs, trade wars and deals between governments are general politics
    # unless they are about technology (guidelines: digital-trade is chips, tech, data flows)
    BuiltinCues(
        "trade",
        -2.0,
        (
            "tariff", "tariffs", "trade war", "trade deal", "trade talks", "countermeasures",
            "retaliatory", "trade deficit", "trade surplus", "import duties", "steel",
            "aluminium", "aluminum", "soybeans", "trade dispute", "trade disputes",
            "trade tensions", "trade truce", "trade pact", "trade agreement", "trade negotiations",
            "trade retaliation", "trade counterpunch", "trade partners",
        ),
        unless=("technology", "incident", "exploited", "harm"),
    ),
    # technology named: no evidence either way (weight 0), it keeps trade news about chips,
    # software or data (export controls, a digital services tax) from counting as trade politics
    BuiltinCues(
        "technology",
        0.0,
        (
            "tech", "technology", "technologies", "digital", "chip", "chips", "chipmaker",
            "chipmakers", "semiconductor", "semiconductors", "software", "AI", "data", "online",
            "internet", "e-commerce", "platforms", "cloud", "smartphones", "electronics",
            "telecoms", "5G", "Nvidia", "Huawei", "TikTok", "social media", "app", "apps",
            "algorithm", "algorithms", "website", "websites", "broadband", "cellular", "cyber",
            "crypto", "cryptocurrency", "computer", "computers", "domains", "piracy", "encryption",
            "encrypted",
        ),
    ),
)  # fmt: skip

# Evidence of scale for significance: breadth of the acting body (many countries acting together,
# the highest courts and legislatures) and landmark acts.
SCALE_TERMS: tuple[str, ...] = (
    "Europol", "Interpol", "Eurojust", "international operation", "multinational", "countries",
    "nationwide", "Supreme Court", "top court", "Court of Justice", "landmark", "first-ever",
    "record fine", "biggest", "largest", "millions of", "billions",
    # the size of the party: a giant's breach or fine reaches more people than a firm's
    "giant", "giants",
)  # fmt: skip

# The stage of an act, as a headline tells it: done and binding (a law adopted, a fine imposed, a
# sentence passed) is one level of significance above a step towards it (a proposal, a plan, a
# claim, a warning, a question).
BINDING: tuple[str, ...] = (
    "adopted", "adopts", "passed", "passes", "enacted", "signed into law", "signs", "takes effect",
    "comes into force", "enters into force", "goes into effect", "ruled", "rules", "ruling",
    "verdict", "sentenced", "convicted", "jailed", "fined", "fines", "ordered", "orders", "banned",
    "bans", "seized", "seizes", "arrested", "arrests", "charged", "indicted", "settles",
    "settlement", "to pay", "dismantled", "disrupted", "takedown",
    # harm established by the one harmed: a breach confirmed is past a claim or a suspicion
    "confirms", "confirmed",
)  # fmt: skip
TENTATIVE: tuple[str, ...] = (
    "proposes", "proposal", "proposed", "draft", "drafts", "considers", "plan", "plans", "could",
    "may", "might", "mulls", "debate", "consultation", "seeks feedback", "call for", "calls for",
    "urge", "urges", "should", "would", "allege", "alleges", "accuses", "claim", "claims", "warn",
    "warns",
    # harm told as not established: alleged, reported, possible
    "allegedly", "reportedly", "possibly",
    # an act wished for, sought or pressed for, not done
    "wants", "want", "seeks", "seek", "pushes", "push back", "pushing",
)  # fmt: skip

# Nouns that name one person, as a headline names a defendant ("Australian man jailed", "Dutch
# port hacker sentenced", "Ransomware affiliate pleads guilty"): a case against one individual
# is a small case, a level below a company's fine or an operation against a network. Singular
# only: "founders", "hackers" or "574 arrested" are more than one; no word that is as often an
# adjective or a firm ("national", "operator", "developer").
INDIVIDUALS: tuple[str, ...] = (
    "man", "woman", "teen", "teenager", "boy", "girl", "hacker", "suspect", "admin",
    "administrator", "affiliate", "founder", "employee", "insider", "student", "citizen",
    "programmer", "owner",
)  # fmt: skip

# Verbs of saying: in a headline a body's statement is news ("EU says Shein broke the law"); in
# a lead's first sentence it is how the news is sourced ("Police said ..."), no act.
SAYING: tuple[str, ...] = ("say", "says", "said", "tell", "tells", "told")

# Who attacks, as a headline names its subject ("Chinese hackers breach ...", "Silent Ransom Group
# hits ...", "New Android malware targets ..."): a headline led by the attacker tells a campaign,
# a threat-intelligence write-up, unless it also tells an authority acting, a flaw exploited, or a
# hack claimed on a named victim. The harm it tells is the attacker's doing to victims it does not
# name; guidelines §1 count such write-ups as no policy news.
ATTACKERS: tuple[str, ...] = (
    "hacker", "hackers", "group", "groups", "gang", "actor", "actors", "APT", "malware", "botnet",
    "stealer", "infostealer", "trojan", "RAT", "backdoor", "campaign", "cybercriminals",
    "attackers", "crew", "operators", "loader", "scammers", "fraudsters", "crooks",
    "cybercrooks", "cybercriminal", "spammers",
)  # fmt: skip
# ... or a campaign told by its verb after a short subject, with its tools named ("RomCom uses fake
# updates to deliver malware", "Interlock ransomware targets firewalls")
CAMPAIGN_VERBS: tuple[str, ...] = (
    "use", "deploy", "target", "abuse", "leverage", "deliver", "push", "drop", "spread", "adopt",
    "expand", "evolve", "pivot", "distribute", "impersonate", "hide", "load",
)  # fmt: skip
# ... or a company's researchers telling a campaign they found, with its tools named ("Microsoft
# Details Windows Clipper Malware Campaign", "Google Details Turla's New Backdoor", "Microsoft
# Warns of Phishing Campaign"): a vendor's threat intelligence (a public body telling it acts)
REPORTING_VERBS: tuple[str, ...] = (
    "detail", "spot", "uncover", "discover", "flag", "track", "observe", "analyze", "analyse",
    "dissect", "unmask", "warn",
)  # fmt: skip
# ... or a strain's career told as its news, with the strain as the subject ("INC Ransomware
# Emerges as ...", never "Details emerge of a ransomware attack on ...")
CAREER_VERBS: tuple[str, ...] = ("emerge", "thrive", "resurface", "return", "rebrand")
TOOLS: tuple[str, ...] = (
    "malware", "ransomware", "RAT", "rootkit", "backdoor", "trojan", "stealer", "infostealer",
    "loader", "botnet", "implant", "wiper", "phishing", "scam",
)  # fmt: skip
# a hack claimed on someone ("Group claims Novo Nordisk hack"): the victim is named
CLAIMED: tuple[str, ...] = (
    "hack", "hacked", "breach", "breached", "attack", "cyberattack", "theft", "leak",
)  # fmt: skip
# a flaw or a supply chain the attackers use ("Russian attackers weaponize WinRAR flaw", "malware
# delivered in EmEditor supply chain attack", "hackers compromise a popular package"):
# exploitation or a mass compromise
FLAWS: tuple[str, ...] = (
    "flaw", "vulnerability", "bug", "exploit", "CVE", "zero-day", "supply", "worm", "compromise",
)  # fmt: skip

# A flaw named as what attackers act on ("Attackers Hit Cisco SD-WAN Flaw", "Attackers Weaponize
# Cisco CUCM Flaw"): with the attacker as the headline's subject, the flaw is exploited, whatever
# the verb; after "lets" or a modal it is what the flaw allows, a what-if ("Flaw Lets Attackers")
FLAW_NOUNS: tuple[str, ...] = ("flaw", "vulnerability", "bug", "CVE", "zero-day", "0-day")
# ... or told as the attackers' target, the flaw leading ("Ubiquiti Vulnerabilities in Attackers'
# Crosshairs", "Auth Bypass CVE Targeted Within Hours"): exploitation attempted, not a what-if
FLAW_TARGETED: tuple[str, ...] = (
    "targeted", "attacked", "crosshairs", "abused", "weaponized", "weaponised",
)  # fmt: skip

# Compounds in which a cue word names no act: "law firm" (a business, no law), "law school",
# "class act", "fine-tuning", "government networks" (a target). Their words are read as no cue.
NOT_ACTS: tuple[str, ...] = (
    "law firm", "law firms", "law school", "law schools", "law student", "law students",
    "law professor", "class act", "balancing act", "disappearing act", "act as", "acts as",
    "act like", "acts like",
    # "act" as a verb with its adverb, not a law: "urges readiness to act fast"
    "act now", "act fast", "act quickly", "act swiftly", "act urgently", "act decisively",
    "rules of thumb", "detection rules", "firewall rules", "inbox rules",
    "mail rules", "forwarding rules", "transport rules", "YARA rules", "Sigma rules",
    "same-origin policy", "content security policy", "group policy", "password policy",
    "return policy", "refund policy", "commission rate", "commission rates", "commission fee",
    "commission fees",
    # an expert, not a public body ("a leading authority on cybersecurity")
    "leading authority", "leading authorities",
    # homonyms: a model tuned, an ear, a spacecraft, a person's name
    "fine tune", "fine tuned", "fine tuning", "fine tunes", "fine print", "fine grained",
    "fine line", "hearing aid", "hearing aids", "hearing health", "hearing loss", "hearing test",
    "space probe", "Bill Gates",
    # public bodies as a class of victims or targets, not an authority acting ("targets govt
    # orgs", "attacks on government networks")
    "government organizations", "government organisations", "government orgs", "govt orgs",
    "govt organizations", "government entities", "government networks", "government targets",
    "government sector", "government sectors", "government servers", "government systems",
    "government institutions", "government websites", "state entities", "state institutions",
)  # fmt: skip

# How a feature, an essay or an explainer opens its headline (or a clause of it, after a colon or
# a dash): "Why password audits miss ...", "How organizations can ...", "Inside a modern fraud
# attack", "The importance of ...". The harm such a headline names is a theme, not one told as
# happened; an authority or an act named in the headline makes it analysis of policy.
FEATURES: tuple[str, ...] = (
    "how", "why", "what", "where", "when", "can", "should", "does", "do", "is", "are", "will",
    "inside", "lessons", "the importance of", "the case for", "the next", "the future of",
    "the rise of", "the state of", "the age of", "the cost of", "the role of", "the year of",
    "the era of", "the end of", "the death of", "the myth of", "the dark side of",
    "the truth about", "the problem with", "the trouble with",
    # a tour of a theme: "From Assistive to Agentic: ...", "A Glimpse into the ... Market"
    "from", "a glimpse", "a look", "a closer look", "a deep dive", "behind the", "the hidden",
    "the real", "the anatomy of",
)  # fmt: skip
# A listicle's headline opens with a number and one of these ("10 hacks every rider should know",
# "33 alternatives that won't leak your data"): a feature too
LISTED: tuple[str, ...] = (
    "hacks", "tips", "ways", "things", "reasons", "steps", "tools", "alternatives", "mistakes",
    "lessons", "best", "questions", "tricks", "signs", "apps", "predictions", "trends",
)  # fmt: skip
# Sections of a site where an outlet files what it does not count as news (a story's address names
# its section: "/sport/tennis/...", "/video/...", "/sponsored/..."): sport, entertainment,
# lifestyle and consumer advice, video, photo and live pages, event listings, newsletters, job
# posts and paid content. The outlet's own filing is a prior against policy news, as a source's
# kind is. Culture, arts, health, science, gadgets and deals sections are left out: their outlets
# file cultural, health and device policy and merger reviews there.
SECTIONS: tuple[str, ...] = (
    "sport", "sports", "entertainment", "celebrity", "celebrities", "lifestyle", "life-style",
    "style", "fashion", "beauty", "travel", "food", "recipes", "horoscope", "horoscopes",
    "puzzles", "crosswords", "quiz", "quizzes", "obituaries", "weather", "personaltech",
    "reviews", "shopping", "coupons", "video", "videos", "player", "podcast",
    "podcasts", "gallery", "galleries", "in-pictures", "live", "liveblog", "live-updates",
    "livestory", "events", "webinars", "newsletter", "newsletters", "jobs", "careers",
    "sponsored", "sponsored-content", "partner-content", "paid-content", "paidpost",
    "brandvoice", "brand-studio", "advertorial", "promoted",
)  # fmt: skip

# Round-ups that bundle many stories in one item (guidelines §1: no policy news, whatever the
# stories bundled)
ROUNDUPS: tuple[str, ...] = (
    "recap", "roundup", "round-up", "in other news", "week in review", "this week in",
    "weekly update", "newsletter", "morning update", "morning briefing", "evening update",
    "evening briefing", "daily briefing", "daily digest", "weekly digest",
)  # fmt: skip
