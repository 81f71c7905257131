"""Every sentence of the local analyser, in English and French (``analysis`` fills in the numbers).

One key per sentence; a key missing in one language is a test failure, not a silent fallback.
"""

from __future__ import annotations

N = "\u202f"  # narrow no-break space, before % and after thousands in French
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "session_one": "{count} session",
        "session_many": "{count} sessions",
        "and": " and ",
        "sep": "; ",
        "discipline.strength": "strength",
        "discipline.endurance": "endurance",
        "discipline.functional": "functional",
        "discipline.competition": "competition",
        "discipline.calisthenics": "calisthenics",
        "side.push": "push",
        "side.pull": "pull",
        "side.lower": "lower-body",
        "side.upper": "upper-body",
        "side.knee": "knee-dominant",
        "side.hip": "hip-dominant",
        "summary": "Over the last 90 days you finished {sessions} ({hours} h of training); "
        "by session count: {mix}.",
        "volume.up": "Training time in the last 4 weeks is up {pct} on the 4 weeks before "
        "({recent} vs {previous} min).",
        "volume.down": "Training time in the last 4 weeks is down {pct} on the 4 weeks before "
        "({recent} vs {previous} min).",
        "volume.stable": "Training time in the last 4 weeks is stable, within {pct} of the 4 weeks "
        "before ({recent} vs {previous} min; under 10% counts as stable).",
        "volume.new": "All {recent} min of the last 4 weeks are new: nothing was logged in the 4 "
        "weeks before.",
        "tonnage": "Tonnage: {recent} kg vs {previous} kg ({pct}).",
        "rpe.both": "Average session RPE was {recent} in the last 4 weeks against {previous} in the 4 "
        "before ({diff}; a change of 0.5 or more is a trend).",
        "rpe.recent": "Average session RPE is {recent} over the last 4 weeks; none was logged in the "
        "4 weeks before, so there is no trend yet.",
        "rpe.old": "No RPE was logged in the last 4 weeks; your 90-day average is {average}.",
        "rpe.none": "None of your {sessions} has an RPE: rate each session from 1 to 10 to follow intensity.",
        "consistency.planned": "{done} of {planned} planned sessions finished ({pct}).",
        "consistency.weeks": "You trained in {weeks} of the last {total} weeks ({pct}).",
        "consistency.good": "That is a steady rhythm (80% or more).",
        "consistency.fair": "Some weeks slip (60 to 80%).",
        "consistency.low": "That is too irregular to progress steadily (below 60%).",
        "acwr.high": "Your acute:chronic load ratio is {acwr}, above 1.5: this week is a load spike "
        "compared with your last 4 weeks.",
        "acwr.elevated": "Your acute:chronic load ratio is {acwr}, above 1.3: your load is climbing "
        "faster than usual.",
        "acwr.low": "Your acute:chronic load ratio is {acwr}, below 0.8: you are training less than "
        "you are used to.",
        "imbalance.ratio": "Over 90 days, {major} work outweighs {minor} work {ratio} to 1 "
        "({major_units} vs {minor_units} sets).",
        "imbalance.none": "Over 90 days: {major_units} sets of {major} work and none of {minor} work.",
        "imbalance.discipline_none": "No {discipline} session in 90 days (out of {sessions}).",
        "imbalance.discipline_low": "Only {count} of your {sessions} were {discipline} ({pct}, under 10%).",
        "weak.dropped": "Best e1RM fell from {before} kg (45 to 89 days ago) to {after} kg in the last "
        "45 days ({pct}).",
        "weak.stalled": "Best e1RM {before} kg 45 to 89 days ago, {after} kg in the last 45 days "
        "({pct}): stalled, under +1%.",
        "weak.stall_advice": "Run a 3-week block at {low}–{high} kg (80–85% of {after} kg), sets of 3 "
        "to 5 reps, adding 2.5 kg a week while every rep stays clean.",
        "weak.ratio": "{name}: e1RM {value} kg, {ratio} × {ref} ({ref_value} kg); the rule of thumb "
        "is at least {norm} ×.",
        "weak.ratio_advice": "Give it a heavy day each week: 4 sets of 3 to 5 at {low}–{high} kg "
        "(80–85% of its e1RM), aiming at {target} kg ({norm} × {ref}).",
        "rec.add-side.title": "Add {minor} work",
        "rec.add-side": "{major_units} {major} vs {minor_units} {minor} sets in 90 days: add about "
        "{per_week} {minor} sets a week for 4 weeks to bring the ratio under 1.5 to 1.",
        "rec.add-discipline.title": "Add a weekly {discipline} session",
        "rec.add-discipline": "{count} of your {sessions} were {discipline} ({pct}): add one {minutes}-min "
        "{discipline} session a week (your median session length).",
        "rec.break-plateau.title": "Restart progress on {name}",
        "rec.break-plateau": "{name}: best e1RM {before} → {after} kg ({pct}). {advice}",
        "rec.bring-up.title": "Bring up your {name}",
        "rec.bring-up": "{name} is {ratio} × {ref}, under the {norm} × rule of thumb. {advice}",
        "rec.reduce-load-high.title": "Ease the load spike",
        "rec.reduce-load-high": "Your acute:chronic ratio is {acwr}, above 1.5: keep next week to "
        "{sessions} and about {minutes} min, 20% under your recent {average} min a week.",
        "rec.reduce-load-elevated.title": "Slow the load increase",
        "rec.reduce-load-elevated": "Your acute:chronic ratio is {acwr}, above 1.3: hold next week at "
        "{sessions} and about {minutes} min, 10% under your recent {average} min a week.",
        "rec.rebuild-load.title": "Rebuild your training load",
        "rec.rebuild-load": "Your acute:chronic ratio is {acwr}, below 0.8: plan {sessions} and about "
        "{minutes} min next week, 10% above your recent {average} min a week.",
        "rec.improve-consistency.title": "Make training regular",
        "rec.improve-consistency": "Consistency is {pct}, under 70%: fix {sessions} next week on set "
        "days and times.",
        "rec.restore-volume.title": "Restore your training time",
        "rec.restore-volume": "Training time fell {pct} over the last 4 weeks: aim for {minutes} min "
        "next week, your weekly average of the 4 weeks before.",
        "rec.ease-intensity.title": "Add easy sessions",
        "rec.ease-intensity": "Your average RPE over the last 4 weeks is {rpe}, 8 or more: make at "
        "least half of next week's {sessions} easy (RPE 5 or less).",
        "rec.log-rpe.title": "Rate your sessions",
        "rec.log-rpe": "None of your {sessions} has an RPE: rate each one from 1 to 10 right after it, "
        "so intensity and load can be followed.",
        "rec.goal-sessions_per_week.title": "Reach {target} sessions a week",
        "rec.goal-sessions_per_week": "The last 4 weeks averaged {current} sessions a week, {gap} short "
        "of your goal: add one session on a fixed day.",
        "rec.goal-training_minutes_per_week.title": "Reach {target} min a week",
        "rec.goal-training_minutes_per_week": "The last 4 weeks averaged {current} min a week, {gap} min "
        "short of your goal: lengthen your sessions or add one.",
        "rec.goal-calories_per_week.title": "Reach {target} kcal a week",
        "rec.goal-calories_per_week": "You are at {current} kcal a week, {gap} kcal short of your goal.",
        "rec.goal-movement_1rm.title": "Reach {target} kg on {name}",
        "rec.goal-movement_1rm": "Best e1RM {current} kg, {gap} kg from your goal: keep one heavy day "
        "a week at 80–85% of it ({low}–{high} kg).",
        "rec.keep-frequency.title": "Keep your rhythm",
        "rec.keep-frequency": "You averaged {frequency} sessions a week over the last 4 weeks: plan "
        "{sessions} next week.",
        "rec.progress-volume.title": "Progress gradually",
        "rec.progress-volume": "Add at most 10% to your weekly time: from {average} to about {target} min.",
        "rec.plan-rest.title": "Plan your rest days",
        "rec.plan-rest": "Schedule {rest} rest days next week around {sessions}, never two hard days "
        "in a row.",
        "starter": "Welcome to Atelier! Finish your first training session and log it: your advice "
        "is computed from your own sessions, so volume, intensity, balance and next week's plan "
        "appear as soon as you have one.",
        "starter.none": "No session logged yet.",
        "starter.rpe": "No session yet, so no RPE: rate each session from 1 to 10 when you log it.",
        "starter.progression": "Once you have finished a few sessions, this tab compares each week, "
        "month and quarter with the one before: sessions, training time, tonnage, RPE and best lifts.",
        "starter.first-session.title": "Finish your first session",
        "starter.first-session": "Pick a workout that fits today and log it when you are done.",
        "starter.log-rpe.title": "Rate it from 1 to 10",
        "starter.log-rpe": "Add an RPE (1 = very easy, 10 = maximal) so intensity can be followed.",
        "starter.set-goal.title": "Set a weekly goal",
        "starter.set-goal": "A sessions-per-week goal lets the advice tell you whether you are on track.",
        "prog.totals": "Over the last {days} days: {sessions}, {minutes} min and {tonnage} kg lifted.",
        "prog.compare": "The last {span} days against the {span} before: {s1} vs {s2} sessions, "
        "{m1} vs {m2} min ({pct} in time).",
        "prog.compare_new": "Nothing was logged in the {span} days before the last {span}, so there "
        "is no earlier period to compare with yet.",
        "prog.mix": "By session count: {mix}",
        "prog.rpe": "average RPE {rpe}",
        "prog.rpe_before": " (vs {rpe} before)",
        "prog.norpe": "no RPE logged",
        "prog.gains": "best e1RM gains: {lifts}",
        "prog.nogains": "no e1RM gain on the lifts logged in both windows ({count})",
        "prog.volume.spike": "Time moved {pct} and your acute:chronic ratio is {acwr}: hold the next "
        "{span} days to about {minutes} min before adding more.",
        "prog.volume.up": "Time rose {pct}: consolidate at about {minutes} min over the next {span} "
        "days before the next increase.",
        "prog.volume.down": "Time fell {pct}: aim for {sessions} and about {minutes} min over the next "
        "{span} days to get back to the earlier level.",
        "prog.volume.stable": "Time is stable ({pct}, within 10%): add about 10%, to {minutes} min, "
        "over the next {span} days.",
        "prog.volume.new": "This is your first logged period: repeat about {minutes} min over the next "
        "{span} days to build a base.",
        "prog.short.volume": "Plan {sessions} and about {minutes} min over the next {span} days.",
        "prog.rpe.high": "An average RPE of {rpe} is high (8 or more): make at least half of your "
        "sessions easy, RPE 5 or less.",
        "prog.short.rpe.high": "Keep half of your sessions at RPE 5 or less.",
        "prog.rpe.low": "An average RPE of {rpe} (5 or less) leaves room for one harder session a "
        "week, at RPE 8.",
        "prog.short.rpe.low": "Add one session a week at RPE 8.",
        "prog.rpe.mid": "An average RPE of {rpe}, between 5 and 8, is sustainable: keep that mix.",
        "prog.short.rpe.mid": "Keep your average RPE near {rpe}.",
        "prog.rpe.none": "No session of the period has an RPE: rate each one from 1 to 10 so the next "
        "analysis can follow intensity.",
        "prog.short.rpe.none": "Rate every session from 1 to 10: {sessions} this period had no RPE.",
        "prog.lift.drop": "{name} slipped from {before} to {after} kg of e1RM: work it at {low}–{high} "
        "kg in sets of 3 to 5.",
        "prog.short.lift.drop": "Work {name} at {low}–{high} kg, sets of 3 to 5.",
        "prog.lift.gain": "{name} gained {gain} kg of e1RM, to {after} kg: keep the same progression.",
        "prog.short.lift.gain": "Next {name} target: {target} kg e1RM.",
        "prog.discipline": "No {discipline} session in the last {days} days: add one to round out the week.",
        "prog.short.discipline": "Add one {discipline} session.",
        "prog.rest": "You trained on {active} of the last {days} days: keep at least {rest} rest days "
        "a week.",
        "prog.short.rest": "Keep {rest} rest days a week.",
        "prog.frequency": "You trained on {active} of the last {days} days, about {weekly} a week: add "
        "one session on a fixed day to reach {next} a week.",
        "prog.short.frequency": "Train {next} days a week.",
        "prog.idle": "No session in the last {days} days; the last one was {ago} days ago ({day}): "
        "{discipline}, {minutes} min.",
        "prog.idle.history": "Over the 90 days you averaged {frequency} sessions a week; by session "
        "count: {mix}.",
        "prog.idle.advice": "Restart with {sessions} over the next 7 days, about {minutes} min each "
        "(your median session).",
        "prog.idle.start": "Begin with {discipline}, your most frequent discipline ({count} of {total}).",
        "prog.short.idle.plan": "Plan {sessions} in the next 7 days.",
        "prog.short.idle.length": "Keep sessions near {minutes} min.",
        "prog.short.idle.discipline": "Start with one {discipline} session.",
    },
    "fr": {
        "session_one": "{count} séance",
        "session_many": "{count} séances",
        "and": " et ",
        "sep": " ; ",
        "discipline.strength": "force",
        "discipline.endurance": "endurance",
        "discipline.functional": "fonctionnel",
        "discipline.competition": "compétition",
        "discipline.calisthenics": "callisthénie",
        "side.push": "de poussée",
        "side.pull": "de tirage",
        "side.lower": "du bas du corps",
        "side.upper": "du haut du corps",
        "side.knee": "à dominante genou",
        "side.hip": "à dominante hanche",
        "summary": "Sur les 90 derniers jours, vous avez terminé {sessions} ({hours} h "
        "d'entraînement) ; en nombre de séances : {mix}.",
        "volume.up": "Votre temps d'entraînement des 4 dernières semaines est en hausse de {pct} par "
        "rapport aux 4 précédentes ({recent} contre {previous} min).",
        "volume.down": "Votre temps d'entraînement des 4 dernières semaines est en baisse de {pct} par "
        "rapport aux 4 précédentes ({recent} contre {previous} min).",
        "volume.stable": "Votre temps d'entraînement des 4 dernières semaines est stable, à {pct} des "
        f"4 précédentes ({{recent}} contre {{previous}} min ; moins de 10{N}% compte comme stable).",
        "volume.new": "Les {recent} min des 4 dernières semaines sont toutes nouvelles : rien n'était "
        "enregistré sur les 4 précédentes.",
        "tonnage": "Tonnage : {recent} kg contre {previous} kg ({pct}).",
        "rpe.both": "RPE moyen de séance : {recent} sur les 4 dernières semaines contre {previous} sur "
        "les 4 précédentes (écart {diff} ; à partir de 0,5 c'est une tendance).",
        "rpe.recent": "RPE moyen de séance : {recent} sur les 4 dernières semaines ; aucun n'a été noté "
        "sur les 4 précédentes, donc pas encore de tendance.",
        "rpe.old": "Aucun RPE noté sur les 4 dernières semaines ; votre moyenne sur 90 jours est "
        "de {average}.",
        "rpe.none": "Aucune de vos {sessions} n'a de RPE : notez chaque séance de 1 à 10 pour suivre "
        "l'intensité.",
        "consistency.planned": "{done} séances terminées sur {planned} prévues ({pct}).",
        "consistency.weeks": "Vous avez eu au moins une séance dans {weeks} des {total} dernières "
        "semaines ({pct}).",
        "consistency.good": f"C'est un rythme régulier (80{N}% ou plus).",
        "consistency.fair": f"Quelques semaines manquent (entre 60 et 80{N}%).",
        "consistency.low": f"C'est trop irrégulier pour progresser sereinement (moins de 60{N}%).",
        "acwr.high": "Votre ratio de charge aiguë/chronique est de {acwr}, au-dessus de 1,5 : cette "
        "semaine est un pic de charge par rapport à vos 4 dernières semaines.",
        "acwr.elevated": "Votre ratio de charge aiguë/chronique est de {acwr}, au-dessus de 1,3 : votre "
        "charge augmente plus vite que d'habitude.",
        "acwr.low": "Votre ratio de charge aiguë/chronique est de {acwr}, sous 0,8 : vous vous "
        "entraînez moins que d'habitude.",
        "imbalance.ratio": "Sur 90 jours, le travail {major} dépasse le travail {minor} de {ratio} "
        "pour 1 ({major_units} séries contre {minor_units}).",
        "imbalance.none": "Sur 90 jours : {major_units} séries de travail {major} et aucune de travail "
        "{minor}.",
        "imbalance.discipline_none": "Aucune séance « {discipline} » en 90 jours (sur {sessions}).",
        "imbalance.discipline_low": "Seulement {count} de vos {sessions} relèvent de « {discipline} » "
        f"({{pct}}, moins de 10{N}%).",
        "weak.dropped": "Le meilleur e1RM est passé de {before} kg (il y a 45 à 89 jours) à {after} kg "
        "sur les 45 derniers jours ({pct}).",
        "weak.stalled": "Meilleur e1RM de {before} kg il y a 45 à 89 jours, {after} kg sur les 45 "
        f"derniers jours ({{pct}}) : stagnation, moins de +1{N}%.",
        "weak.stall_advice": f"Faites un bloc de 3 semaines à {{low}}–{{high}} kg (80–85{N}% de "
        "{after} kg), en séries de 3 à 5 répétitions, en ajoutant 2,5 kg par semaine tant que chaque "
        "répétition reste propre.",
        "weak.ratio": "{name} : e1RM {value} kg, soit {ratio} × {ref} ({ref_value} kg) ; le repère "
        "habituel est d'au moins {norm} ×.",
        "weak.ratio_advice": "Consacrez-lui une séance lourde par semaine : 4 séries de 3 à 5 à "
        f"{{low}}–{{high}} kg (80–85{N}% de son e1RM), objectif {{target}} kg ({{norm}} × {{ref}}).",
        "rec.add-side.title": "Ajouter du travail {minor}",
        "rec.add-side": "{major_units} séries de travail {major} contre {minor_units} de travail "
        "{minor} en 90 jours : ajoutez environ {per_week} séries de travail {minor} par semaine "
        "pendant 4 semaines pour repasser sous 1,5 pour 1.",
        "rec.add-discipline.title": "Ajouter une séance « {discipline} » par semaine",
        "rec.add-discipline": "{count} de vos {sessions} relèvent de « {discipline} » ({pct}) : "
        "ajoutez une séance « {discipline} » de {minutes} min par semaine (la durée médiane de vos "
        "séances).",
        "rec.break-plateau.title": "Relancer la progression : {name}",
        "rec.break-plateau": "{name} : meilleur e1RM {before} → {after} kg ({pct}). {advice}",
        "rec.bring-up.title": "Renforcer : {name}",
        "rec.bring-up": "{name} vaut {ratio} × {ref}, sous le repère de {norm} ×. {advice}",
        "rec.reduce-load-high.title": "Absorber le pic de charge",
        "rec.reduce-load-high": "Votre ratio aigu/chronique est de {acwr}, au-dessus de 1,5 : limitez "
        f"la semaine prochaine à {{sessions}} et environ {{minutes}} min, 20{N}% de moins que vos "
        "{average} min hebdomadaires récentes.",
        "rec.reduce-load-elevated.title": "Freiner la hausse de charge",
        "rec.reduce-load-elevated": "Votre ratio aigu/chronique est de {acwr}, au-dessus de 1,3 : "
        f"tenez la semaine prochaine à {{sessions}} et environ {{minutes}} min, 10{N}% de moins que "
        "vos {average} min hebdomadaires récentes.",
        "rec.rebuild-load.title": "Remonter votre charge",
        "rec.rebuild-load": "Votre ratio aigu/chronique est de {acwr}, sous 0,8 : prévoyez {sessions} "
        f"et environ {{minutes}} min la semaine prochaine, 10{N}% de plus que vos {{average}} min "
        "hebdomadaires récentes.",
        "rec.improve-consistency.title": "Régulariser l'entraînement",
        "rec.improve-consistency": f"Votre régularité est de {{pct}}, sous 70{N}% : fixez {{sessions}} "
        "la semaine prochaine, à jours et heures précis.",
        "rec.restore-volume.title": "Retrouver votre volume",
        "rec.restore-volume": "Votre temps d'entraînement a baissé de {pct} sur les 4 dernières "
        "semaines : visez {minutes} min la semaine prochaine, votre moyenne hebdomadaire des 4 "
        "semaines précédentes.",
        "rec.ease-intensity.title": "Ajouter des séances faciles",
        "rec.ease-intensity": "Votre RPE moyen des 4 dernières semaines est de {rpe}, 8 ou plus : "
        "rendez faciles (RPE 5 ou moins) au moins la moitié de vos {sessions} de la semaine prochaine.",
        "rec.log-rpe.title": "Noter vos séances",
        "rec.log-rpe": "Aucune de vos {sessions} n'a de RPE : notez chacune de 1 à 10 juste après, pour "
        "suivre l'intensité et la charge.",
        "rec.goal-sessions_per_week.title": "Atteindre {target} séances par semaine",
        "rec.goal-sessions_per_week": "Moyenne des 4 dernières semaines : {current} séances par "
        "semaine, {gap} de moins que votre objectif : ajoutez une séance à jour fixe.",
        "rec.goal-training_minutes_per_week.title": "Atteindre {target} min par semaine",
        "rec.goal-training_minutes_per_week": "Moyenne des 4 dernières semaines : {current} min par "
        "semaine, {gap} min de moins que votre objectif : allongez vos séances ou ajoutez-en une.",
        "rec.goal-calories_per_week.title": "Atteindre {target} kcal par semaine",
        "rec.goal-calories_per_week": "Vous êtes à {current} kcal par semaine, {gap} kcal sous "
        "votre objectif.",
        "rec.goal-movement_1rm.title": "Atteindre {target} kg : {name}",
        "rec.goal-movement_1rm": "Meilleur e1RM {current} kg, à {gap} kg de votre objectif : gardez "
        f"une séance lourde par semaine à 80–85{N}% ({{low}}–{{high}} kg).",
        "rec.keep-frequency.title": "Garder votre rythme",
        "rec.keep-frequency": "Vous avez fait en moyenne {frequency} séances par semaine sur les 4 "
        "dernières semaines : prévoyez {sessions} la semaine prochaine.",
        "rec.progress-volume.title": "Progresser graduellement",
        "rec.progress-volume": f"Ajoutez au plus 10{N}% à votre temps hebdomadaire : de {{average}} à "
        "environ {target} min.",
        "rec.plan-rest.title": "Planifier vos jours de repos",
        "rec.plan-rest": "Prévoyez {rest} jours de repos la semaine prochaine autour de {sessions}, "
        "jamais deux jours durs d'affilée.",
        "starter": "Bienvenue dans Atelier ! Terminez votre première séance d'entraînement et "
        "enregistrez-la : vos conseils sont calculés à partir de vos propres séances, donc volume, "
        "intensité, équilibre et plan de la semaine apparaissent dès la première.",
        "starter.none": "Aucune séance enregistrée pour l'instant.",
        "starter.rpe": "Pas encore de séance, donc pas de RPE : notez chaque séance de 1 à 10 en "
        "l'enregistrant.",
        "starter.progression": "Après quelques séances, cet onglet comparera chaque semaine, mois et "
        "trimestre au précédent : séances, temps d'entraînement, tonnage, RPE et meilleures charges.",
        "starter.first-session.title": "Terminer votre première séance",
        "starter.first-session": "Choisissez une séance adaptée à aujourd'hui et enregistrez-la une "
        "fois terminée.",
        "starter.log-rpe.title": "La noter de 1 à 10",
        "starter.log-rpe": "Ajoutez un RPE (1 = très facile, 10 = maximal) pour suivre l'intensité.",
        "starter.set-goal.title": "Fixer un objectif hebdomadaire",
        "starter.set-goal": "Un objectif de séances par semaine permet aux conseils de dire si vous "
        "êtes dans les temps.",
        "prog.totals": "Sur les {days} derniers jours : {sessions}, {minutes} min et {tonnage} kg soulevés.",
        "prog.compare": "Les {span} derniers jours face aux {span} précédents : {s1} contre {s2} "
        "séances, {m1} contre {m2} min ({pct} de temps).",
        "prog.compare_new": "Rien n'a été enregistré dans les {span} jours précédant les {span} "
        "derniers : pas encore de période antérieure à comparer.",
        "prog.mix": "En nombre de séances : {mix}",
        "prog.rpe": "RPE moyen {rpe}",
        "prog.rpe_before": " (contre {rpe} avant)",
        "prog.norpe": "aucun RPE noté",
        "prog.gains": "meilleurs gains d'e1RM : {lifts}",
        "prog.nogains": "aucun gain d'e1RM sur les mouvements notés dans les deux fenêtres ({count})",
        "prog.volume.spike": "Le temps a varié de {pct} et votre ratio aigu/chronique est de {acwr} : "
        "limitez les {span} prochains jours à environ {minutes} min avant d'en rajouter.",
        "prog.volume.up": "Le temps a augmenté de {pct} : consolidez autour de {minutes} min sur les "
        "{span} prochains jours avant la prochaine hausse.",
        "prog.volume.down": "Le temps a baissé de {pct} : visez {sessions} et environ {minutes} min sur "
        "les {span} prochains jours pour retrouver le niveau précédent.",
        "prog.volume.stable": f"Le temps est stable ({{pct}}, moins de 10{N}%) : ajoutez environ "
        f"10{N}%, soit {{minutes}} min, sur les {{span}} prochains jours.",
        "prog.volume.new": "C'est votre première période enregistrée : reprenez environ {minutes} min "
        "sur les {span} prochains jours pour construire une base.",
        "prog.short.volume": "Prévoir {sessions} et environ {minutes} min sur les {span} prochains jours.",
        "prog.rpe.high": "Un RPE moyen de {rpe} est élevé (8 ou plus) : faites au moins la moitié de "
        "vos séances en facile, RPE 5 ou moins.",
        "prog.short.rpe.high": "Garder la moitié des séances à RPE 5 ou moins.",
        "prog.rpe.low": "Un RPE moyen de {rpe} (5 ou moins) laisse la place à une séance plus dure par "
        "semaine, à RPE 8.",
        "prog.short.rpe.low": "Ajouter une séance par semaine à RPE 8.",
        "prog.rpe.mid": "Un RPE moyen de {rpe}, entre 5 et 8, est soutenable : gardez ce mélange.",
        "prog.short.rpe.mid": "Garder un RPE moyen proche de {rpe}.",
        "prog.rpe.none": "Aucune séance de la période n'a de RPE : notez chacune de 1 à 10 pour que "
        "la prochaine analyse suive l'intensité.",
        "prog.short.rpe.none": "Noter chaque séance de 1 à 10 : {sessions} sans RPE sur la période.",
        "prog.lift.drop": "{name} a reculé de {before} à {after} kg d'e1RM : travaillez ce mouvement "
        "à {low}–{high} kg en séries de 3 à 5.",
        "prog.short.lift.drop": "Travailler {name} à {low}–{high} kg, séries de 3 à 5.",
        "prog.lift.gain": "{name} a gagné {gain} kg d'e1RM, à {after} kg : gardez la même progression.",
        "prog.short.lift.gain": "Prochain objectif {name} : {target} kg d'e1RM.",
        "prog.discipline": "Aucune séance « {discipline} » sur les {days} derniers jours : ajoutez-en "
        "une pour compléter la semaine.",
        "prog.short.discipline": "Ajouter une séance « {discipline} ».",
        "prog.rest": "Vous avez eu des séances {active} jours sur les {days} derniers : gardez au "
        "moins {rest} jours de repos par semaine.",
        "prog.short.rest": "Garder {rest} jours de repos par semaine.",
        "prog.frequency": "Vous avez eu des séances {active} jours sur les {days} derniers, environ "
        "{weekly} par semaine : ajoutez une séance à jour fixe pour arriver à {next} par semaine.",
        "prog.short.frequency": "S'entraîner {next} jours par semaine.",
        "prog.idle": "Aucune séance sur les {days} derniers jours ; la dernière date d'il y a {ago} "
        "jours ({day}) : {discipline}, {minutes} min.",
        "prog.idle.history": "Sur 90 jours, vous avez fait en moyenne {frequency} séances par semaine ; "
        "en nombre de séances : {mix}.",
        "prog.idle.advice": "Reprenez avec {sessions} sur les 7 prochains jours, environ {minutes} min "
        "chacune (votre durée médiane).",
        "prog.idle.start": "Commencez par « {discipline} », votre discipline la plus fréquente "
        "({count} sur {total}).",
        "prog.short.idle.plan": "Prévoir {sessions} sur les 7 prochains jours.",
        "prog.short.idle.length": "Garder des séances d'environ {minutes} min.",
        "prog.short.idle.discipline": "Commencer par une séance « {discipline} ».",
    },
}
