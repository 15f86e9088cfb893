"""Only policy news in briefs, ranked by significance: the built-in cue lists (what is not policy
news whatever words it shares with it, who acts, how far an act has gone, how large it is)."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from digest.judgement.relevance import magnitude, story_facts
from digest.text.words import split_words
from tests.relevancekit import assess, relevant


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.mark.parametrize(
    ("title", "text", "kind"),
    [
        (
            "Striker scores twice as champions win Premier League title",
            "The football club's fans were fined by nobody; the policy of rotation paid off.",
            "general-news",
        ),
        (
            "Acme releases new smartwatch with AI privacy features",
            "The smartwatch is now available; a new privacy policy dashboard comes with it.",
            "tech-press",
        ),
        (
            "Webinar: getting ready for the compliance season",
            "Join us for a live webinar on compliance; register now for tickets.",
            "vendor",
        ),
        (
            "Survey: most CISOs expect budgets to grow",
            "Our survey of 500 respondents shows compliance and policy trends for 2026.",
            "security-press",
        ),
        (
            "Senate Republicans push Medicaid cuts before midterms",
            "The proposal would change the policy on Medicaid eligibility.",
            "policy-press",
        ),
    ],
)
def test_sport_products_events_marketing_and_general_politics_are_not_policy_news(
    taxonomy, title, text, kind
):
    assert not relevant(taxonomy, title, text, kind)


def test_the_same_words_with_an_authority_acting_or_harm_done_stay_policy_news(taxonomy):
    # a football federation breached, a smartwatch maker fined: policy news for the brief
    assert relevant(
        taxonomy,
        "Football federation reports data breach exposing fans' records",
        "Hackers stole personal data of members from the federation's club software.",
        "security-press",
    )
    assert relevant(
        taxonomy,
        "Regulator fines smartwatch maker over children's data",
        "The data protection authority said the smartwatch collected data unlawfully.",
        "tech-press",
    )
    found = assess(taxonomy, "Garante fines chatbot maker €5 million", kind="tech-press")
    assert "acting: garante fines" in found.reasons


def test_a_flaw_exploited_now_is_policy_news_though_told_with_a_verb(taxonomy):
    title = "Attackers actively exploiting flaw in widely used firewall"
    text = "Thousands of devices are open to takeover, the vendor said."
    assert relevant(taxonomy, title, text, "security-press")
    assert any(r.startswith("exploiting") for r in assess(taxonomy, title, text).reasons)


def test_a_cue_group_of_the_config_file_replaces_the_built_in_one(tmp_path, taxonomy):
    sport = ("Club wins championship after dramatic football final", "", "tech-press")
    assert any(r.startswith("sport") for r in assess(taxonomy, *sport).reasons)
    config = tmp_path / "taxonomy.toml"
    config.write_text(
        "[taxonomy.relevance.cues.sport]\nweight = 0.0\nterms = []\n", encoding="utf-8"
    )
    tuned = Taxonomy.load(config)
    reasons = tuned.relevance.assess(split_words(sport[0]), split_words(""), kind="tech-press")
    assert not any(r.startswith("sport") for r in reasons.reasons)


def significance(taxonomy: Taxonomy, title: str, text: str = "") -> float:
    rules = taxonomy.relevance
    return story_facts([assess(taxonomy, title, text, "policy-press")], rules).significance


def test_a_binding_act_ranks_above_a_step_towards_it(taxonomy):
    adopted = significance(taxonomy, "Parliament adopts bill on social media age checks")
    proposed = significance(taxonomy, "Parliament proposes bill on social media age checks")
    asked = significance(taxonomy, "Should Parliament pass a bill on social media age checks?")
    assert adopted > proposed
    assert adopted > asked


def test_evidence_of_scale_raises_significance(taxonomy):
    assert magnitude("Breach exposes data of 33.7 million customers") > magnitude(
        "Breach exposes data of 2,000 customers"
    )
    large = significance(taxonomy, "Hackers steal records of 40 million customers in breach")
    small = significance(taxonomy, "Hackers steal records of 900 customers in breach")
    assert large > small
    alone = significance(taxonomy, "Botnet dismantled by police")
    together = significance(taxonomy, "Botnet dismantled by police of 20 countries with Europol")
    assert together > alone


def test_policy_news_on_thin_evidence_ranks_a_level_lower(taxonomy, tmp_path):
    # one event told twice (dev corpus r1148 Reuters, headline only; r1157 Yahoo Finance, with
    # its lead): the first shows one weak cue, the second the authority too
    rules = taxonomy.relevance
    thin = assess(
        taxonomy,
        "Microsoft makes Office-Teams offer to avert EU antitrust fine",
        kind="general-news",
    )
    sure = assess(
        taxonomy,
        "Microsoft makes Office-Teams offer to avert EU antitrust fine",
        "Microsoft has offered to make its Office product without Teams cheaper than when sold "
        "with Teams, EU antitrust regulators said on Friday, which could spare the company a big "
        "fine and ease tensions with the United States. The European Commission...",
        kind="general-news",
    )
    assert rules.threshold <= thin.score < sure.score
    thin_story, sure_story = story_facts([thin], rules), story_facts([sure], rules)
    assert thin_story.relevant and sure_story.relevant
    assert "thin evidence: ranked lower" in thin_story.reasons
    assert "thin evidence: ranked lower" not in sure_story.reasons
    assert thin_story.significance < sure_story.significance
    # operators turn it off in the config file
    config = tmp_path / "taxonomy.toml"
    config.write_text("[taxonomy.relevance]\nthin_evidence = 0.0\n", encoding="utf-8")
    tuned = Taxonomy.load(config).relevance
    assert "thin evidence: ranked lower" not in story_facts([thin], tuned).reasons


def test_a_count_of_people_is_read_as_a_modifier_and_as_those_affected():
    # real headlines (dev corpus r0388 Infosecurity Magazine, r0889 SecurityWeek)
    assert magnitude("South Korea's Coupang Confirms 34 Million Customer Data Leak") >= 1.0
    assert magnitude("22 Million Affected by Aflac Data Breach") >= 1.0
    assert magnitude("Korean Air data breach exposes data of thousands of employees") == 0.0


def test_one_persons_case_ranks_below_a_case_against_a_network(taxonomy):
    # real headlines (dev corpus r0996 SecurityWeek, r0835 SecurityWeek, r0884 SecurityWeek)
    one = significance(taxonomy, "Dutch Port Hacker Sentenced to Prison")
    many = significance(taxonomy, "54 Charged in US Over ATM Attacks Involving 'Ploutus' Malware")
    assert one < many
    rules = taxonomy.relevance
    found = assess(taxonomy, "Dutch Port Hacker Sentenced to Prison", kind="policy-press")
    assert found.individual
    assert "one person's case" in story_facts([found], rules).reasons
    # a person named in an incident is no case: a breach's size is its own
    breach = assess(
        taxonomy, "Hacker Claims Theft of 40 Million Condé Nast Records", kind="policy-press"
    )
    assert "one person's case" not in story_facts([breach], rules).reasons


# Real dev items (benchmarks/data/realnews r1549, r1531, r1398, r1423, r0495, r0455).
@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Chinese Hackers Target Medical, Military, and AI Research in North America",
            "Google’s Threat Intelligence Group has been tracking the cyberespionage group as "
            "UNC6508 since early 2025.",
        ),
        (
            "Sniper Dz Scams Target MENA Users via Fake Facebook Offers and Browser Alerts",
            "Cybersecurity researchers have disclosed details of fraudulent activity targeting "
            "users across the Middle East and North Africa.",
        ),
    ],
)
def test_attackers_and_their_tools_are_no_harm_without_a_victim(taxonomy, title, text):
    found = assess(taxonomy, title, text, "security-press")
    assert found.score < taxonomy.relevance.threshold, found.reasons


def test_attackers_with_victims_are_harm(taxonomy):
    found = assess(
        taxonomy,
        "“Sleeper” browser extensions woke up as spyware on 4 million devices",
        "After seven years of acting like normal add-ons, five popular Chrome and Edge "
        "extensions with millions of installs suddenly turned malicious.",
        "security-press",
    )
    assert found.score >= taxonomy.relevance.threshold, found.reasons
    assert any(r.startswith("threat:") for r in found.reasons)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "New Veeam vulnerability exposes backup servers to RCE attacks",
            "Veeam has released security updates to patch a critical Backup & Replication "
            "security flaw that can be exploited to gain remote code execution (RCE) on "
            "domain-joined backup servers.",
        ),
        (
            "Six Proto6 Vulnerabilities in protobuf.js Expose Node.js Apps to RCE and DoS",
            "Cybersecurity researchers have flagged half a dozen vulnerabilities in protobuf.js "
            "that, if successfully exploited, could result in remote code execution (RCE) and "
            "denial-of-service (DoS) attacks.",
        ),
    ],
)
def test_a_flaw_that_could_be_exploited_is_risk_not_harm(taxonomy, title, text):
    found = assess(taxonomy, title, text, "security-press")
    assert not any(r.startswith(("exploited:", "incident:")) for r in found.reasons), found.reasons
    assert found.score < taxonomy.relevance.threshold


def test_a_flaw_exploited_now_is_harm(taxonomy):
    found = assess(
        taxonomy,
        "Google patches 107 Android flaws, including two being actively exploited",
        "Google’s December update fixes two Android bugs that criminals are actively "
        "exploiting. Update as soon as you can.",
        "security-press",
    )
    assert found.score >= taxonomy.relevance.threshold, found.reasons


def test_exploitation_denied_is_no_harm(taxonomy):
    text = "Unit 42 reported the bug and said it saw no exploitation in the wild."
    denied = assess(taxonomy, "Flaw let attackers hijack model uploads", text, "security-press")
    assert not any(r.startswith("exploited:") for r in denied.reasons)


# Real dev items (r1547, r1462, r1517, r1442, r1390, r1331).
@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "New attack turned Microsoft 365 Copilot into 1-click data theft tool",
            "A critical vulnerability chain dubbed SearchLeak in Microsoft 365 Copilot Enterprise "
            "could allow attackers to steal sensitive data from a target's mailbox.",
        ),
        (
            "GitHub to Disable npm Install Scripts by Default to Stop Supply Chain Attacks",
            "GitHub has announced what it said are breaking changes coming to npm version 12, "
            "one of which turns off install scripts by default.",
        ),
        (
            "In Other News: Google Security Layoffs, AudiA6 Takedown, $400 Million Coupang Fine",
            "Other noteworthy stories that might have slipped under the radar.",
        ),
    ],
)
def test_a_capability_a_harm_warded_off_or_a_round_up_is_not_policy_news(taxonomy, title, text):
    found = assess(taxonomy, title, text, "security-press")
    assert found.score < taxonomy.relevance.threshold, found.reasons


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Unpatched Langflow Flaw CVE-2026-5027 Exploited for Unauthenticated RCE",
            "A high-severity unpatched security flaw in Langflow has come under active "
            "exploitation in the wild. The vulnerability is a case of path traversal that could "
            "allow an attacker to write files to arbitrary locations.",
        ),
        (
            "Over 100 NPM, PyPI Packages Hit in New Shai-Hulud Supply Chain Attacks",
            "The most recent variants of the self-propagating attacks are named Miasma and Hades.",
        ),
    ],
)
def test_a_flaw_exploited_or_a_supply_chain_hit_is_policy_news(taxonomy, title, text):
    found = assess(taxonomy, title, text, "security-press")
    assert found.score >= taxonomy.relevance.threshold, found.reasons


def test_a_government_banning_or_regulating_is_an_act(taxonomy):
    assert relevant(
        taxonomy,
        "Canada’s move to regulate AI chatbots after Tumbler Ridge shooting raises doubts",
        "",
        "general-news",
    )


@pytest.mark.parametrize(
    "title",
    [
        "Chinese hackers breach research servers, steal medical data",
        "New Android malware targets 200 banking apps",
        "Ransom group hits law firms in escalating extortion attacks",
        "China-linked botnet expands to 1,500 routers",
    ],
)
def test_a_write_up_led_by_the_attacker_is_not_policy_news(taxonomy, title):
    # a campaign told from the attacker's side, victims unnamed: a threat-intelligence write-up
    found = assess(taxonomy, title, "The attackers used phishing emails.", "security-press")
    assert found.score < taxonomy.relevance.threshold
    assert any(r.startswith("write-up: ") for r in found.reasons)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        # an authority acts on the attackers
        ("Hacker arrested over malware campaign with 2 million downloads", ""),
        # a flaw exploited by them
        (
            "Russian attackers weaponize archiver flaw against Ukrainian firms",
            "Attackers stole data from the firms' networks.",
        ),
        # a hack claimed on a named victim
        ("Cybercrime group claims Novo Nordisk hack", ""),
        # a mass of people harmed
        ("Hackers hijacked over 20,000 Instagram accounts", ""),
        # a theft of a named size
        ("Hackers stole $1.5 billion from crypto exchange in largest heist", ""),
        # an act told in the lead
        ("Ransomware affiliate admits role in extortion gang", "He pleaded guilty in court."),
    ],
)
def test_attackers_in_the_headline_with_an_act_a_flaw_or_a_named_victim_stay_news(
    taxonomy, title, text
):
    found = assess(taxonomy, title, text, "security-press")
    assert not any(r.startswith("write-up: ") for r in found.reasons)
    assert found.score >= taxonomy.relevance.threshold


def test_a_law_firm_is_no_law(taxonomy):
    # "law" in "law firms" names a business: no legal act
    found = assess(taxonomy, "Ransom group targets law firms", kind="security-press")
    assert not any(r.startswith("action: ") for r in found.reasons)
    assert "action: law" in assess(taxonomy, "Senate passes new law", kind="policy-press").reasons


def test_trade_politics_is_not_policy_news_unless_about_technology(taxonomy):
    assert not relevant(
        taxonomy,
        "EU readies tariffs on steel and soybeans as trade war deepens",
        "The countermeasures hit farm exports.",
        "policy-press",
    )
    assert relevant(
        taxonomy,
        "US to ban chip exports, raising tariffs on semiconductors",
        "The Commerce Department said the export controls cover AI chips.",
        "policy-press",
    )


@pytest.mark.parametrize(
    "title",
    [
        "Why password audits miss the accounts attackers steal",
        "The AI arms race – why exposure management is a boardroom priority",
    ],
)
def test_harm_as_a_feature_s_theme_is_not_policy_news(taxonomy, title):
    text = "Stolen credentials and breaches keep rising, and zero-days were exploited."
    found = assess(taxonomy, title, text, "security-press")
    assert found.score < taxonomy.relevance.threshold
    assert any(r.startswith("theme: ") for r in found.reasons)


def test_a_feature_about_an_authority_s_act_stays_policy_analysis(taxonomy):
    found = assess(taxonomy, "Why the FCC's router ban is the wrong fix", kind="security-press")
    assert not any(r.startswith("theme: ") for r in found.reasons)
    assert found.score >= taxonomy.relevance.threshold


def test_a_campaign_told_by_its_verb_and_tools_is_a_write_up(taxonomy):
    found = assess(
        taxonomy,
        "LeakNet ransomware uses ClickFix lures in stealthy attacks",
        "Attackers stole credentials from compromised hosts.",
        "security-press",
    )
    assert "write-up: leaknet ransomware" in found.reasons
    assert found.score < taxonomy.relevance.threshold
    # the same verb, a company's product: no campaign
    other = assess(taxonomy, "Flock uses gig workers to train its surveillance AI")
    assert not any(r.startswith("write-up: ") for r in other.reasons)


def test_a_company_s_investigation_is_no_authority_s_act(taxonomy):
    company = "Microsoft investigates Outlook sync issues"
    text = "Microsoft is investigating reports of connection problems."
    assert not relevant(taxonomy, company, text, "security-press")
    regulator = assess(
        taxonomy, "Regulator opens investigation into cloud outage", kind="security-press"
    )
    assert regulator.score >= taxonomy.relevance.threshold


def test_a_funding_round_is_business_news_whatever_its_lead_says(taxonomy):
    found = assess(
        taxonomy,
        "Privacy startup raises $375M to expand enterprise reach",
        "The platform helps firms comply with the new privacy act.",
        "security-press",
    )
    assert "funding: raised" in found.reasons
    assert found.score < taxonomy.relevance.threshold


def test_a_listicle_s_hacks_are_tips_not_harm(taxonomy):
    found = assess(taxonomy, "10 hacks every smartwatch owner should know", kind="general-news")
    assert found.score < taxonomy.relevance.threshold
    assert any(r.startswith("theme: ") for r in found.reasons)
    # a count of people charged is news, not a listicle
    charged = assess(taxonomy, "3 men charged with smuggling AI chips to China")
    assert not any(r.startswith("theme: ") for r in charged.reasons)


def test_a_jury_s_verdict_and_a_lawsuit_in_progress_are_court_news(taxonomy):
    assert relevant(taxonomy, "Jury finds platforms negligent in social media addiction trial")
    assert relevant(taxonomy, "Publisher is suing chatbot maker over copied articles")


def test_a_round_up_is_not_policy_news_whatever_the_stories_it_bundles(taxonomy):
    found = assess(
        taxonomy,
        "Weekly recap: CISA orders feds to patch exploited Chrome zero-day, router botnets",
        "Hackers breached a cloud provider and stole customer data.",
        "security-press",
    )
    assert found.score < taxonomy.relevance.threshold
    assert "round-up: recap" in found.reasons


def test_a_hack_claimed_on_a_named_victim_is_no_write_up(taxonomy):
    found = assess(taxonomy, "Extortion group claims it hacked AstraZeneca", kind="security-press")
    assert not any(r.startswith("write-up: ") for r in found.reasons)


# Real headlines and leads from the dev corpus (benchmarks/data/realnews/items.jsonl: r1248
# Phys.org, r1215 European Commission, r1313 Techdirt; provenance recorded there).


def test_a_law_named_is_policy_evidence(taxonomy):
    found = assess(taxonomy, "Are we criticizing GDPR for all the wrong reasons?", kind="other")
    assert "law: gdpr" in found.reasons
    assert found.score >= taxonomy.relevance.threshold
    # a legal act told as prominently is the evidence already: the law it applies adds none
    fined = assess(taxonomy, "Retailer fined for GDPR breaches", kind="security-press")
    assert "action: fined" in fined.reasons
    assert not any(r.startswith("law: ") for r in fined.reasons)


def test_an_eu_board_of_regulators_is_an_authority(taxonomy):
    found = taxonomy.relevance.assess(
        split_words(
            "The European Board for Digital Services launches a coordinated action to reinforce "
            "the protection of minors as regards pornographic platforms"
        ),
        split_words(
            "The European Board for Digital Services shares the European Commission's concerns "
            "about certain platforms which make pornographic content unlawfully accessible."
        ),
        kind="government",
        official=True,
    )
    assert "authority: european board for digital services" in found.reasons
    assert not any(r.startswith("commerce: launches") for r in found.reasons)
    assert found.score >= taxonomy.relevance.threshold


def test_an_outlet_asking_for_donations_is_promotion_whatever_law_it_names(taxonomy):
    found = assess(
        taxonomy,
        "This Is What You're Funding When You Support Techdirt",
        "Last week, we launched our monthlong fundraiser with a commemorative Techdirt / 30 years "
        "of Section 230 coin for donations of $100 or more.",
        "policy-press",
    )
    assert "listing: fundraiser" in found.reasons
    assert found.score < taxonomy.relevance.threshold


def test_ransomware_named_is_a_threat_and_an_attack_or_its_victims_are_harm(taxonomy):
    # a strain's capability: no victim, no attack told
    strain = assess(
        taxonomy,
        "New ransomware strain encrypts VMware ESXi servers in minutes",
        kind="security-press",
    )
    assert strain.score < taxonomy.relevance.threshold
    # the real headline and lead of r0769 (The Record, dev corpus): an attack on a named firm
    attack = assess(
        taxonomy,
        "Japanese beer giant Asahi says ransomware attack may have exposed data of 1.5 million "
        "people",
        "The company said the compromised information includes names, gender, addresses and "
        "phone numbers, but not credit-card details.",
        "security-press",
    )
    assert "threat: ransomware" in attack.reasons  # its victims: 1.5 million people
    assert attack.score >= taxonomy.relevance.threshold
    # ransomware with its victims told is harm done
    hit = assess(
        taxonomy, "Ransomware locks hospital systems", "Patients were diverted.", "security-press"
    )
    assert hit.score >= taxonomy.relevance.threshold


@pytest.mark.parametrize(
    "title",
    [
        "OpenAI opens fine-tuning for its newest model to all developers",
        "Earbuds' new hearing aid feature tested",
        "Bill Gates says AI will replace doctors",
    ],
)
def test_a_cue_word_inside_a_homonym_is_no_act(taxonomy, title):
    found = assess(taxonomy, title)
    assert not any(r.startswith("action: ") for r in found.reasons)
    assert found.score < taxonomy.relevance.threshold
    # the act itself still counts
    assert relevant(taxonomy, "Regulator fines bank over fine print in loan terms")


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (  # a victim telling what was done to it (corpus r1922)
            "West Pharmaceutical says hackers stole data, encrypted systems",
            "West Pharmaceutical Services disclosed that it was the target of a cyberattack that "
            "resulted in data exfiltration and system encryption.",
        ),
        (  # ... with hackers' access as the harm (corpus r1830)
            "BWH Hotels Says Hackers Had Access to Reservation Data for 6 Months",
            "Threat actors obtained names and contact information for an unspecified number of "
            "BWH Hotels guests.",
        ),
        (  # the attacker no subject: the object of a preposition (corpus r1827)
            "Deal Reached With Hackers to Delete Data Stolen From the Canvas Educational Platform",
            "The company that operates online learning system Canvas said it struck a deal with "
            "hackers to delete the data they pilfered in a cyberattack.",
        ),
        (  # defacement is harm done (corpus r1784)
            "Instructure confirms hackers used Canvas flaw to deface portals",
            "Instructure has confirmed that a security vulnerability allowed hackers to modify "
            "Canvas login portals and leave an extortion message.",
        ),
    ],
)
def test_a_named_victim_telling_of_hackers_is_an_incident_not_a_write_up(taxonomy, title, text):
    found = assess(taxonomy, title, text, "security-press")
    assert not any(r.startswith("write-up") for r in found.reasons)
    assert found.score >= taxonomy.relevance.threshold
    # a campaign the attackers lead is still a write-up
    campaign = assess(
        taxonomy,
        "Chinese hackers target telecoms with new backdoor",
        "The group deploys a custom backdoor.",
        "security-press",
    )
    assert any(r.startswith("write-up") for r in campaign.reasons)


def test_flaws_none_of_which_were_exploited_are_a_routine_patch(taxonomy):
    # corpus r1835: a monthly patch batch, exploitation denied for all of it
    assert not relevant(
        taxonomy,
        "Adobe Patches 52 Vulnerabilities in 10 Products",
        "While none of the flaws have been exploited in the wild, many of them could lead to "
        "arbitrary code execution.",
        "security-press",
    )
    assert relevant(
        taxonomy,
        "Adobe patches flaw exploited in the wild",
        "Adobe says the flaw has been exploited in limited attacks.",
        "security-press",
    )


def test_a_company_or_malware_adopting_something_is_no_law_adopted(taxonomy):
    # corpus r1765: malware adopting a blockchain for its command channel
    assert not relevant(
        taxonomy,
        "TrickMo Android banker adopts TON blockchain for covert comms",
        "A new variant of the TrickMo Android banking malware introduces new commands.",
        "security-press",
    )
    assert relevant(
        taxonomy, "Council adopts new cybersecurity rules for connected devices", kind="tech-press"
    )


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (  # suspected exploitation is exploitation told (corpus r1763)
            "New 'Dirty Frag' Linux Vulnerability Possibly Exploited in Attacks",
            "Tracked as CVE-2026-43284, the exploit was disclosed before a patch was released.",
        ),
        (  # attempts to exploit a flaw are its exploitation (corpus r1942)
            "PraisonAI CVE-2026-44338 Auth Bypass Targeted Within Hours of Disclosure",
            "Threat actors have been observed attempting to exploit a recently disclosed security "
            "vulnerability in PraisonAI within four hours of public disclosure.",
        ),
        (  # legitimate packages poisoned: a supply-chain compromise (corpus r1387)
            "Hades PyPI Attack: 19 Packages Poisoned to Auto-Run Bun Credential Stealer",
            "Nineteen PyPI packages were compromised to run a credential stealer on install.",
        ),
    ],
)
def test_exploitation_suspected_or_attempted_and_poisoned_packages_are_harm_told(
    taxonomy, title, text
):
    assert relevant(taxonomy, title, text, "security-press")


def test_affected_versions_name_a_flaws_scope_not_harm(taxonomy):
    # corpus r1423: a disclosure whose "affected environments" are where the flaw could bite
    assert not relevant(
        taxonomy,
        "Six Proto6 Vulnerabilities in protobuf.js Expose Node.js Apps to RCE and DoS",
        "Researchers flagged six flaws that, if successfully exploited, could result in remote "
        'code execution. "In affected environments, a single malicious protobuf schema can '
        'crash the process."',
        "security-press",
    )
    assert relevant(
        taxonomy,
        "Outage at payment processor",
        "Thousands of merchants were affected for hours on Monday.",
        "security-press",
    )


def test_minors_on_an_online_service_are_trust_and_safety_news(taxonomy):
    # corpus r1852 and r0222: a platform's protections for teens and kids
    assert relevant(
        taxonomy,
        "Meta will tell parents when their teens add new interests to their Instagram algorithm",
    )
    assert relevant(
        taxonomy, "Character.AI will offer interactive 'Stories' to kids instead of open-ended chat"
    )
    # children with no online service named are no evidence
    assert not relevant(taxonomy, "Two teenagers went to seek gold and were trapped in a mine")
    assert not relevant(taxonomy, "Parents and kids flock to the new science museum")


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        (  # corpus r1319
            "Trump Claims Executive Privilege To Keep 4,000 January 6 Documents Locked Up",
            "policy-press",
        ),
        (  # corpus r1970
            "The debate is over – Women's sports need protection from trans athletes",
            "other",
        ),
    ],
)
def test_culture_wars_and_january_6_are_general_politics(taxonomy, title, kind):
    assert not relevant(taxonomy, title, kind=kind)
    # "dei" alone is Italian for "of the": the Garante's full name is no politics
    garante = assess(
        taxonomy,
        "Garante per la protezione dei dati personali fines clinic over patient data",
        kind="policy-press",
    )
    assert not any(r.startswith("politics") for r in garante.reasons)


def test_government_networks_attacked_are_targets_not_an_authority(taxonomy):
    # corpus r1960: an espionage campaign's targets, no authority acting
    found = assess(
        taxonomy,
        "'FrostyNeighbor' APT Carefully Targets Govt Orgs in Poland, Ukraine",
        "Attackers uniquely fingerprint victims before delivering spear-phishing payloads.",
        "security-press",
    )
    assert not any(r.startswith("actor") for r in found.reasons)
    assert found.score < taxonomy.relevance.threshold
    # a government acting still counts
    assert relevant(taxonomy, "Government orders networks to block spyware domains")


def test_spyware_in_extensions_with_millions_of_installs_is_harm_done(taxonomy):
    # corpus r0401: the installs counted are the victims of the spyware
    assert relevant(
        taxonomy,
        "ShadyPanda Turns Popular Browser Extensions with 4.3 Million Installs Into Spyware",
        "A threat actor known as ShadyPanda has been linked to a seven-year campaign.",
        "security-press",
    )


def test_a_features_text_is_no_evidence_unless_its_headline_names_the_policy(taxonomy):
    # dev r1810: the text mentions "a question of policy" on the way; a feature, not policy news
    assert not relevant(
        taxonomy,
        "Why Agentic AI Is Security's Next Blind Spot",
        "Agentic AI is already running in production environments across many organizations "
        "today. The industry conversation has largely framed this as a question of policy.",
        "security-press",
    )
    # dev r1248: a law named in the headline makes it analysis of policy
    assert relevant(
        taxonomy,
        "Are we criticizing GDPR for all the wrong reasons?",
        "While EU communiqués often find creative ways to avoid uttering the word "
        "deregulation, this new European Commission is all about cutting red tape.",
        "other",
    )


def test_a_headline_listing_three_subjects_after_its_label_is_a_round_up(taxonomy):
    # dev r1958: one headline for a week's stories
    found = assess(
        taxonomy,
        "ThreatsDay Bulletin: PAN-OS RCE, Mythos cURL Bug, AI Tokenizer Attacks, and 10+ Stories",
        "People turning supply chain attacks into some cursed little game for clout and cash.",
        "security-press",
    )
    assert found.score < taxonomy.relevance.threshold
    assert "round-up: a list of stories" in found.reasons
    # dev r1440: three flaws listed as the object of one act are one story
    assert relevant(
        taxonomy,
        "CISA Adds Cisco, Chrome, and Arista Flaws to KEV Catalog Amid Active Exploitation",
        "CISA on Tuesday added three new vulnerabilities to its Known Exploited Vulnerabilities "
        "(KEV) catalog, following reports of active exploitation.",
        "security-press",
    )


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (  # dev r1964
            "Windows 11 and Microsoft Edge hacked at Pwn2Own Berlin 2026",
            "On the first day of Pwn2Own Berlin 2026, security researchers collected $523,000 in "
            "cash awards after exploiting 24 unique zero-days.",
        ),
        (  # dev r1971
            "SecurityScorecard Snags Driftnet to Level Up Threat Intelligence",
            "The new acquisition looks to boost visibility into third-party ecosystems that are "
            "becoming a bigger concern as vectors for supply-chain attacks.",
        ),
    ],
)
def test_a_hacking_contest_and_a_company_bought_are_not_policy_news(taxonomy, title, text):
    assert not relevant(taxonomy, title, text, "security-press")


def test_a_defence_against_a_harm_is_no_harm_done(taxonomy):
    # dev r1869: a product feature named after the intrusions it records
    assert not relevant(
        taxonomy,
        "Android Adds Intrusion Logging for Sophisticated Spyware Forensics",
        "Google on Tuesday unveiled a new opt-in Android feature called Intrusion Logging for "
        "storing forensic logs to better analyze sophisticated spyware attacks.",
        "security-press",
    )
    # an intrusion told as done is still harm
    assert relevant(
        taxonomy,
        "Hospital confirms intrusion, patient records stolen",
        "The hospital said an intrusion into its network led to patient records being stolen.",
        "security-press",
    )


def test_a_harm_that_a_flaw_exposes_things_to_is_a_risk_not_harm_done(taxonomy):
    # "exposes X to attacks": what the repositories are open to, not an attack that happened
    risk = assess(
        taxonomy,
        "Cordyceps CI/CD Flaws Expose 300+ GitHub Repositories to Supply-Chain Attacks",
        kind="security-press",
    )
    assert not any(r.startswith("incident") for r in risk.reasons)
    assert risk.score < taxonomy.relevance.threshold
    assert relevant(
        taxonomy,
        "Checkmarx Jenkins AST Plugin Compromised in Supply Chain Attack",
        kind="security-press",
    )


def test_what_a_flaw_affects_is_its_scope_and_what_an_attack_affects_is_harm(taxonomy):
    scope = assess(
        taxonomy,
        "'Cordyceps': Mushrooming Malicious Pull Requests Threaten Developer Workflows",
        "The CI/CD workflow weakness affects Microsoft's Azure Sentinel and Google's ADK.",
        kind="security-press",
    )
    assert not any(r.startswith("incident") for r in scope.reasons)
    assert scope.score < taxonomy.relevance.threshold
    assert relevant(
        taxonomy,
        "Second Sha1-Hulud Wave Affects 25,000+ Repositories via npm Preinstall Credential Theft",
        kind="security-press",
    )


def test_credentials_are_counted_as_people_harmed(taxonomy):
    # an attacker-led headline that counts a mass of accounts harmed is a mass compromise
    mass = assess(
        taxonomy, "Hackers harvest 86,000 credentials from firewalls", kind="security-press"
    )
    few = assess(taxonomy, "Hackers harvest credentials from firewalls", kind="security-press")
    assert not any(r.startswith("write-up") for r in mass.reasons)
    assert any(r.startswith("write-up") for r in few.reasons)


def test_a_campaign_whose_lead_counts_a_mass_compromise_is_no_mere_write_up(taxonomy):
    title = "FortiBleed Attackers Turn Firewalls Into Credential Stealers as Heists Persist"
    mass = assess(
        taxonomy,
        title,
        "The threat actors targeted 430,000 FortiGate firewalls and identified 110 million "
        "credentials in the ongoing global campaign.",
        kind="security-press",
    )
    plain = assess(
        taxonomy,
        title,
        "The threat actors engineered a Golang-based sniffer for FortiGate firewalls.",
        kind="security-press",
    )
    assert not any(r.startswith("write-up") for r in mass.reasons)
    assert any(r.startswith("write-up") for r in plain.reasons)
    assert mass.score > plain.score


@pytest.mark.parametrize(
    "title",
    [
        "Attackers Hit Cisco SD-WAN Flaw 2 Months Before Disclosure",
        "In Less Than 24 Hours, Attackers Weaponize Cisco CUCM Flaw",
    ],
)
def test_attackers_acting_on_a_flaw_is_a_flaw_exploited(taxonomy, title):
    found = assess(taxonomy, title, kind="security-press")
    assert any(r.startswith("exploited: attackers") for r in found.reasons)
    assert found.event_type == "incident"
    assert found.score >= taxonomy.relevance.threshold


@pytest.mark.parametrize(
    "title",
    [
        "Critical Ubiquiti Vulnerabilities in Attackers’ Crosshairs",  # dev item r2212
        "Auth Bypass CVE-2026-1234 Targeted Within Hours of Disclosure",
        "Router Flaws Attacked Days After Patch Release",
    ],
)
def test_a_flaw_told_as_the_attackers_target_is_a_flaw_exploited(taxonomy, title):
    found = assess(taxonomy, title, kind="security-press")
    assert any(r.startswith("exploited: ") for r in found.reasons)
    assert found.score >= taxonomy.relevance.threshold


@pytest.mark.parametrize(
    "title",
    [
        "Router Flaw Could Be Targeted by Botnets, Researchers Warn",
        "No Evidence the Plugin Bug Was Targeted",
    ],
)
def test_a_flaw_that_may_be_targeted_is_no_flaw_exploited(taxonomy, title):
    found = assess(taxonomy, title, kind="security-press")
    assert not any(r.startswith("exploited") for r in found.reasons)
    assert found.score < taxonomy.relevance.threshold


@pytest.mark.parametrize(
    "title",
    [
        "New Fragnesia Linux flaw lets attackers gain root privileges",
        "Microsoft Exchange Flaw Lets Attackers Spoof Any Email Address",
        "Hackers could exploit a bug in the popular plugin",
    ],
)
def test_what_a_flaw_lets_attackers_do_is_no_flaw_exploited(taxonomy, title):
    found = assess(taxonomy, title, kind="security-press")
    assert not any(r.startswith("exploited") for r in found.reasons)
    assert found.score < taxonomy.relevance.threshold


def test_a_breach_confirmed_ranks_above_one_alleged(taxonomy):
    confirmed = assess(taxonomy, "LastPass confirms data breach in Klue supply chain attack")
    alleged = assess(taxonomy, "Hackers allegedly breach LastPass in Klue supply chain attack")
    plain = assess(taxonomy, "LastPass data breach in Klue supply chain attack")
    assert confirmed.stage > plain.stage > alleged.stage


def test_a_giant_harmed_is_a_larger_event(taxonomy):
    giant = assess(taxonomy, "South Korean giant Kyowon confirms data theft in ransomware attack")
    firm = assess(taxonomy, "South Korean firm Kyowon confirms data theft in ransomware attack")
    assert giant.magnitude > firm.magnitude


def test_an_act_wished_for_or_pushed_back_on_is_a_step_towards_it(taxonomy):
    wished = assess(taxonomy, "Ofcom wants to ban nude images on children's phones")
    done = assess(taxonomy, "Ofcom bans nude images on children's phones")
    assert done.stage > wished.stage
    assert assess(taxonomy, "Industry pushes back on HIPAA security rule overhaul").stage < 0
