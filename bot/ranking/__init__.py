"""Which of a day's candidates each chat wants: every candidate's title and abstract become TF-IDF
features fitted once per day's pool and shared by every subscription (``features``); a subscription
scores them by cosine similarity to its plain-words description and keywords, blended with a small
linear model (scikit-learn) fitted on the chat's liked and disliked papers as feedback arrives
(``model``); the feedback itself lives in Redis with each paper's text, one vote per user per paper
(``feedback``); ``ranker`` runs it off the event loop and applies the threshold, and ``reasons``
says in one line why a paper was picked."""
